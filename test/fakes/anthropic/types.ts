/** Public types of the fake Anthropic Messages API server. */

/** A reply: the text, streamed in `chunks` deltas, waiting `delayMs` before each delta. */
export interface ReplyStep {
  reply: string;
  chunks?: number;
  delayMs?: number;
  times?: number;
}

/** An HTTP error response with Anthropic's error body. */
export interface ErrorStep {
  error: { status: number; type: string; message: string };
  /** Sent as `retry-after` (seconds). */
  retryAfterSeconds?: number;
  headers?: Record<string, string>;
  times?: number;
}

/** 200 and a started stream (with `afterText` streamed), then an SSE `error` event. */
export interface MidStreamErrorStep {
  midStreamError: { type: string; message: string };
  afterText?: string;
  times?: number;
}

/** Destroy the socket: before any response, or after streaming `afterText`. */
export interface ResetConnectionStep {
  resetConnection: true;
  afterText?: string;
  times?: number;
}

/** Never answer (until the server closes). */
export interface HangStep {
  hang: true;
  times?: number;
}

export type FakeStep = ReplyStep | ErrorStep | MidStreamErrorStep | ResetConnectionStep | HangStep;

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it was not JSON, or undefined when empty. */
  body: unknown;
  /** The `x-api-key` value or the Bearer token, whichever the request carried. */
  credential: string | undefined;
}

export interface FakeAnthropicOptions {
  /** Clock for the prompt-cache TTL (ms since epoch); defaults to Date.now. */
  now?: () => number;
}

export interface FakeAnthropic {
  /** Base URL to hand to the SDK as `baseURL` (no trailing slash). */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Queue behaviours for requests made with `credential` (x-api-key or Bearer token). */
  script(credential: string, ...steps: FakeStep[]): void;
  /** Behaviour for requests with nothing scripted (default: echo the last user message). */
  setDefault(step: FakeStep | undefined): void;
  /** Forget recorded requests, scripts, the default step and the prompt cache. */
  reset(): void;
  /** Stop the server, cutting open connections (including hanging ones). */
  close(): Promise<void>;
}
