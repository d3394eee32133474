import { parseModelRef } from "../agents/catalog.js";
import type { AttemptRecord } from "../agents/turn.js";

/** What {@link fallbackNotice} reads of a successful turn. */
export interface AnsweredTurn {
  /** provider/model the session asked for. */
  requestedModel: string;
  /** provider/model that answered. */
  model: string;
  profileId: string;
  /** attempts[0] is the first choice, the last one answered. */
  attempts: readonly AttemptRecord[];
}

function modelName(ref: string): string {
  return parseModelRef(ref).model;
}

/**
 * The one-line notice a reply carries when it did not come from the session's first choice: a
 * fallback model answered, or a credential of another type (a paid API key instead of a
 * subscription token, or the reverse). Undefined when the first choice answered. Pure.
 *
 * @example
 * fallbackNotice({ requestedModel: "anthropic/claude-opus-5-5", model: "anthropic/claude-haiku-5-5", profileId: "anthropic:a", attempts })
 * // "(Answered by claude-haiku-5-5 — claude-opus-5-5 was unavailable.)"
 */
export function fallbackNotice(turn: AnsweredTurn): string | undefined {
  const first = turn.attempts[0];
  const answered = turn.attempts.at(-1);
  const requested = turn.requestedModel || first?.model || turn.model;
  const otherModel = requested !== turn.model;
  const firstType = first?.credentialType;
  const answeredType = answered?.profileId === turn.profileId ? answered.credentialType : undefined;
  const otherType = firstType !== undefined && answeredType !== undefined && firstType !== answeredType;
  if (!otherModel && !otherType) return undefined;
  const via = otherType ? (answeredType === "apiKey" ? ` with API key ${turn.profileId}` : ` with subscription ${turn.profileId}`) : "";
  if (otherModel) return `(Answered by ${modelName(turn.model)}${via} — ${modelName(requested)} was unavailable.)`;
  const missed = firstType === "authToken" ? "your subscription was unavailable" : `API key ${first!.profileId} was unavailable`;
  return `(Answered${via} — ${missed}.)`;
}

/** The reply as the chat sees it: the notice on its own line after the text. The stored history never has it. */
export function withNotice(text: string, notice: string | undefined): string {
  return notice ? `${text.replace(/\s+$/, "")}\n\n${notice}` : text;
}
