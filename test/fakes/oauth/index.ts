export { startFakeOAuthServer } from "./server.js";
export type { FakeOAuthServer, TokenReply, TokenRequest } from "./server.js";
