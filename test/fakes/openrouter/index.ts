export { startFakeOpenRouter, DEFAULT_MODELS } from "./server.js";
export type {
  FakeOpenRouter,
  FakeOpenRouterStep,
  ReplyStep,
  ErrorStep,
  MidStreamErrorStep,
  ResetConnectionStep,
  HangStep,
  RecordedRequest,
  FakeModel,
} from "./types.js";
export { lastUserText, requestModel, requestRoles } from "./requests.js";
