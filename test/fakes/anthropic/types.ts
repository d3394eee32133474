/** Public types of the fake Anthropic Messages API server. */
import type { FakeRateLimits } from "./rate-limits.js";

export type { FakeRateLimits } from "./rate-limits.js";

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

/** A model as `GET /v1/models` lists it. */
export interface FakeModel {
  id: string;
  display_name?: string;
  /** RFC 3339; default 2026-01-01T00:00:00Z. */
  created_at?: string;
  lifecycle?: "active" | "deprecated" | "retired";
  retires_at?: string | null;
}

export interface FakeAnthropicOptions {
  /** What `GET /v1/models` lists, newest first (default: models.ts DEFAULT_FAKE_MODELS). */
  models?: FakeModel[];
  /** Clock for the prompt-cache TTL and the rate-limit windows (ms since epoch); defaults to Date.now. */
  now?: () => number;
  /** Rate limits of every credential (see rate-limits.ts); by default large enough never to bind. */
  rateLimits?: FakeRateLimits;
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
  /** Pause before each delta of the default `echo: <text>` reply (0 by default; `reset` clears it). */
  setEchoDelay(ms: number): void;
  /**
   * Replace what `GET /v1/models` lists (paginated by `limit`, `after_id`, `before_id`). A
   * scripted error step at the head of a credential's queue answers that request instead.
   */
  setModels(models: FakeModel[]): void;
  /**
   * Rate limits for `credential` (undefined: every credential without its own); its window starts
   * again. Calls over a limit get a 429 with `retry-after` and the rate-limit headers.
   */
  setRateLimits(credential: string | undefined, limits: FakeRateLimits): void;
  /** Forget recorded requests, scripts, the default step, the prompt cache, the rate limits set since the start and all use of them; the model list goes back to the start's. */
  reset(): void;
  /** Stop the server, cutting open connections (including hanging ones). */
  close(): Promise<void>;
}
