import {
  DiscordAPIError,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  MessageFlags,
  type RepliableInteraction,
  RESTJSONErrorCodes,
} from "discord.js";
import type { OutboundMessage, ReplySink, SentMessage } from "../../src/plugin-api.js";
import { toComponents } from "./outbound.js";

/** Sends to the interaction's channel as a plain message; used once the interaction token is gone. */
export interface ChannelFallback {
  send(message: OutboundMessage): Promise<SentMessage>;
  edit(messageId: string, message: OutboundMessage): Promise<void>;
}

/** The interaction webhook token lasts 15 minutes; after that these errors come back. */
const TOKEN_GONE = new Set<number | string>([RESTJSONErrorCodes.UnknownWebhook, RESTJSONErrorCodes.InvalidWebhookToken, RESTJSONErrorCodes.UnknownInteraction]);

function tokenGone(error: unknown): boolean {
  return error instanceof DiscordAPIError && TOKEN_GONE.has(error.code);
}

function editOptions(message: OutboundMessage): InteractionEditReplyOptions {
  return {
    content: message.text,
    allowedMentions: { parse: [], repliedUser: false },
    components: toComponents(message.buttons) as InteractionEditReplyOptions["components"],
  };
}

function followUpOptions(message: OutboundMessage, ephemeral: boolean): InteractionReplyOptions {
  return {
    content: message.text,
    allowedMentions: { parse: [], repliedUser: false },
    components: toComponents(message.buttons) as InteractionReplyOptions["components"],
    ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

/**
 * Replies to a deferred interaction. The first part fills the deferred "thinking…" reply;
 * later parts are follow-ups. Visibility is fixed when deferring (publicly), so:
 * - a part marked `ephemeral` after the first becomes an ephemeral follow-up;
 * - an `ephemeral` first part deletes the public placeholder and goes out as an ephemeral
 *   follow-up, so nothing private is shown to the channel.
 * `typing` does nothing: the deferred reply already shows Discord's thinking indicator.
 * When the interaction token has expired (15 min), parts go to the channel instead.
 */
export class InteractionReplySink implements ReplySink {
  #original: "pending" | "filled" | "deleted" = "pending";
  #originalId: string | undefined;
  readonly #viaChannel = new Set<string>();
  #tokenGone = false;

  constructor(
    private readonly interaction: RepliableInteraction,
    private readonly fallback: ChannelFallback,
  ) {}

  async send(message: OutboundMessage): Promise<SentMessage> {
    if (this.#tokenGone) return this.#sendViaChannel(message);
    try {
      return await this.#sendViaInteraction(message);
    } catch (error) {
      if (!tokenGone(error)) throw error;
      this.#tokenGone = true;
      return this.#sendViaChannel(message);
    }
  }

  async edit(messageId: string, message: OutboundMessage): Promise<void> {
    if (this.#viaChannel.has(messageId)) return this.fallback.edit(messageId, message);
    await this.interaction.editReply({ ...editOptions(message), message: messageId === this.#originalId ? "@original" : messageId });
  }

  async typing(): Promise<void> {}

  async #sendViaInteraction(message: OutboundMessage): Promise<SentMessage> {
    if (this.#original === "pending") {
      if (message.ephemeral && !this.interaction.ephemeral) {
        await this.interaction.deleteReply();
        this.#original = "deleted";
        const sent = await this.interaction.followUp(followUpOptions(message, true));
        return { messageId: sent.id };
      }
      const sent = await this.interaction.editReply(editOptions(message));
      this.#original = "filled";
      this.#originalId = sent.id;
      return { messageId: sent.id };
    }
    const sent = await this.interaction.followUp(followUpOptions(message, Boolean(message.ephemeral)));
    return { messageId: sent.id };
  }

  async #sendViaChannel(message: OutboundMessage): Promise<SentMessage> {
    const sent = await this.fallback.send(message);
    this.#viaChannel.add(sent.messageId);
    return sent;
  }
}
