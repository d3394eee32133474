export { startFakeAnthropic } from "./server.js";
export type {
  FakeAnthropic,
  FakeAnthropicOptions,
  FakeModel,
  FakeStep,
  ReplyStep,
  ErrorStep,
  MidStreamErrorStep,
  ResetConnectionStep,
  HangStep,
  RecordedRequest,
  FakeRateLimits,
} from "./types.js";
export { lastUserImages, lastUserText, requestModel, requestRoles } from "./requests.js";
