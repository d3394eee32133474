import type { Usage } from "../providers/types.js";
import type { SessionData, SessionRepository, StoredMessage } from "../state/sessions.js";
import { trimHistory, type HistoryLimits } from "./history.js";

export interface EffectiveModel {
  ref: string;
  source: "session" | "parent" | "agent";
}

/** A change of a session's model choice. */
export interface SessionModelChange {
  /** provider/model; null for the agent default; absent to keep the current choice. */
  model?: string | null;
  /** Pin a profile (with who pinned it), or null to clear the pin. */
  pin: { profileId: string; by: string } | null;
}

/** A turn the model answered, to be added to the history. */
export interface AnsweredTurn {
  text: string;
  /** The platform message it answered: a replay of that message is not run again. */
  messageId?: string;
  reply: string;
  usage: Usage;
  at: number;
}

export interface SessionPolicy {
  /** The agent's model, used when neither the session nor its parent chose one. */
  defaultModel: string;
  history: HistoryLimits;
}

/**
 * One agent's sessions: the only code that changes a session's model, pin or history, over
 * whichever {@link SessionRepository} the state backend provides.
 */
export class SessionService {
  constructor(
    private readonly repository: SessionRepository,
    private readonly policy: SessionPolicy,
  ) {}

  /** The session (a fresh one when none is stored); do not mutate it. */
  get(key: string): Promise<SessionData> {
    return this.repository.get(key);
  }

  /** Session override, else the parent session's (threads, topics), else the agent's default. */
  async effectiveModel(key: string, parentKey?: string): Promise<EffectiveModel> {
    return this.modelFor(await this.get(key), parentKey);
  }

  /** {@link effectiveModel} of a session already read; the parent is read only when it matters. */
  async modelFor(session: SessionData, parentKey?: string): Promise<EffectiveModel> {
    if (session.modelOverride) return { ref: session.modelOverride, source: "session" };
    const inherited = parentKey ? (await this.get(parentKey)).modelOverride : undefined;
    if (inherited) return { ref: inherited, source: "parent" };
    return { ref: this.policy.defaultModel, source: "agent" };
  }

  /** Sets the model choice and pin; returns the session as stored. */
  setModel(key: string, change: SessionModelChange): Promise<SessionData> {
    return this.repository.update(key, (session) => {
      applyModelChange(session, change);
      return structuredClone(session);
    });
  }

  /** A fresh history; `all` also returns the model choice and pin to the defaults. */
  async reset(key: string, options: { all: boolean }): Promise<void> {
    await this.repository.update(key, (session) => {
      session.history = [];
      if (options.all) applyModelChange(session, { model: null, pin: null });
    });
  }

  /** Adds an answered turn to the history (trimmed to the agent's limits) and its usage to the totals. */
  async recordTurn(key: string, turn: AnsweredTurn): Promise<void> {
    await this.repository.update(key, (session) => {
      session.history = trimHistory(
        [
          ...session.history,
          { role: "user", content: turn.text, ts: turn.at, ...(turn.messageId ? { messageId: turn.messageId } : {}) },
          { role: "assistant", content: turn.reply, ts: turn.at, delivered: 0 },
        ],
        this.policy.history,
      );
      session.usage.inputTokens += turn.usage.inputTokens;
      session.usage.outputTokens += turn.usage.outputTokens;
      session.usage.cacheReadTokens += turn.usage.cacheReadTokens;
      session.usage.cacheWriteTokens += turn.usage.cacheWriteTokens;
      session.usage.turns += 1;
    });
  }

  /**
   * Records how many parts of the reply to `messageId` reached the chat. Once the first is out,
   * the preview it replaced is forgotten.
   */
  async markDelivered(key: string, messageId: string, delivered: number): Promise<void> {
    await this.repository.update(key, (session) => {
      const reply = answeredReply(session.history, messageId);
      if (reply) reply.delivered = delivered;
      if (delivered > 0 && previewOf(session, messageId) !== undefined) {
        session.previews = session.previews!.filter((p) => p.messageId !== messageId);
      }
    });
  }

  /** Remembers the preview message showing the unfinished reply to `messageId` (the newest {@link MAX_PREVIEWS}). */
  async notePreview(key: string, messageId: string, previewId: string): Promise<void> {
    await this.repository.update(key, (session) => {
      const others = (Array.isArray(session.previews) ? session.previews : []).filter((p) => p.messageId !== messageId);
      session.previews = [...others, { messageId, previewId }].slice(-MAX_PREVIEWS);
    });
  }
}

/** Previews remembered per session: more than a queue holds at once. */
export const MAX_PREVIEWS = 20;

/** The preview message of the unfinished reply to `messageId`, if one is remembered. */
export function previewOf(session: SessionData, messageId: string): string | undefined {
  const previews = Array.isArray(session.previews) ? session.previews : [];
  return previews.find((p) => p.messageId === messageId)?.previewId;
}

/** The stored assistant reply that answered the user message `messageId`, if it is still in the history. */
export function answeredReply(history: readonly StoredMessage[], messageId: string): StoredMessage | undefined {
  const index = history.findIndex((m) => m.role === "user" && m.messageId === messageId);
  const reply = index >= 0 ? history[index + 1] : undefined;
  return reply?.role === "assistant" ? reply : undefined;
}

function applyModelChange(session: SessionData, change: SessionModelChange): void {
  if (change.model !== undefined) {
    if (change.model) session.modelOverride = change.model;
    else delete session.modelOverride;
  }
  if (change.pin) {
    session.pinnedProfileId = change.pin.profileId;
    session.pinnedBy = change.pin.by;
  } else {
    delete session.pinnedProfileId;
    delete session.pinnedBy;
  }
}
