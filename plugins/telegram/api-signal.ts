import type { Api } from "grammy";

/** The AbortSignal type grammY's Node build declares (the `abort-controller` polyfill's). */
export type ApiSignal = NonNullable<Parameters<Api["getMe"]>[0]>;

/**
 * Node's own AbortSignal, typed for grammY. At run time grammY just hands it to
 * node-fetch, which accepts any spec-conforming signal; only the declared types differ.
 */
export const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;
