export { createAnthropicProvider, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS, type AnthropicProviderOptions } from "./provider.js";
