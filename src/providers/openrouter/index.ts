export { createOpenRouterProvider, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS, type OpenRouterProviderOptions } from "./provider.js";
