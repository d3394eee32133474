import type { FailureClass } from "../auth/types.js";
import type { Usage } from "../providers/types.js";

/**
 * What happens on the turn path, for observers that must never slow or break it (metrics,
 * usage recording, alerts). Emitted synchronously; a listener that throws is logged by the bus
 * owner and ignored.
 */
export type AgentEvent =
  /** One provider call finished (success or a classified failure). */
  | {
      type: "provider_request";
      agentId: string;
      provider: string;
      profileId: string;
      /** Model id without the provider prefix. */
      model: string;
      result: "ok" | FailureClass;
      durationMs: number;
    }
  /** The turn moved on from one profile to another (same or next model). */
  | { type: "failover"; agentId: string; fromProfile: string; toProfile: string; model: string }
  /** A turn ended. `usage`, `model` and `profileId` are what answered (ok turns only). */
  | {
      type: "turn";
      agentId: string;
      sessionKey: string;
      /** `<channel>:<senderId>` when the turn came from a chat user. */
      sender?: string;
      /** provider/model ref that answered, else the one first asked for. */
      model: string;
      profileId?: string;
      outcome: "ok" | "error" | "aborted";
      durationMs: number;
      usage?: Usage;
    };

/** The events of one turn's provider calls, before the runtime names the agent. */
export type AttemptEvent = Extract<AgentEvent, { type: "provider_request" | "failover" }> extends infer E
  ? E extends { agentId: string }
    ? Omit<E, "agentId">
    : never
  : never;

export type AgentEventListener = (event: AgentEvent) => void;

/** A tiny synchronous event bus; listeners are isolated from each other and from the emitter. */
export class AgentEventBus {
  private readonly listeners = new Set<AgentEventListener>();

  constructor(private readonly onListenerError: (err: unknown, event: AgentEvent) => void = () => {}) {}

  /** Adds a listener; returns the function that removes it. */
  on(listener: AgentEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AgentEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        try {
          this.onListenerError(err, event);
        } catch {
          // the error reporter itself failed: nothing more to do on the turn path
        }
      }
    }
  }
}
