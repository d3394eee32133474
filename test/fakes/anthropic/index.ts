export { startFakeAnthropic } from "./server.js";
export type {
  FakeAnthropic,
  FakeAnthropicOptions,
  FakeStep,
  ReplyStep,
  ErrorStep,
  MidStreamErrorStep,
  ResetConnectionStep,
  HangStep,
  RecordedRequest,
} from "./types.js";
export { lastUserImages, lastUserText, requestModel, requestRoles } from "./requests.js";
