import {
  DiscordAPIError,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  MessageFlags,
  type RepliableInteraction,
  RESTJSONErrorCodes,
} from "discord.js";
import type { OutboundFile, OutboundMessage, ReplySink, SentMessage, Settlement } from "../../src/plugin-api.js";
import { fileCaption, fileUpload, toComponents } from "./outbound.js";

/** Sends to the interaction's channel as a plain message; used once the interaction token is gone. */
export interface ChannelFallback {
  send(message: OutboundMessage): Promise<SentMessage>;
  edit(messageId: string, message: OutboundMessage): Promise<void>;
  sendFile(file: OutboundFile): Promise<SentMessage>;
}

/** What a deferral says when the core settled without sending anything (see README, Interactions). */
export const NOTHING_TO_SHOW = "Done. (Nothing to show.)";
/** What a deferral says when a gateway shutdown cut the command off. */
export const CUT_OFF = "Not answered: the bot is restarting. Run the command again in a moment.";

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

function fileOptions(file: OutboundFile): InteractionEditReplyOptions & InteractionReplyOptions {
  const caption = fileCaption(file);
  const { name, data } = fileUpload(file);
  return { ...(caption ? { content: caption } : {}), allowedMentions: { parse: [], repliedUser: false }, files: [{ attachment: data, name }] };
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
 * Files fill the placeholder when nothing was sent yet, else go as follow-ups with the file.
 * {@link finish} completes a placeholder the core never answered.
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

  async sendFile(file: OutboundFile): Promise<SentMessage> {
    if (this.#tokenGone) return this.fallback.sendFile(file);
    try {
      if (this.#original === "pending") {
        const sent = await this.interaction.editReply(fileOptions(file));
        this.#original = "filled";
        this.#originalId = sent.id;
        return { messageId: sent.id };
      }
      const sent = await this.interaction.followUp(fileOptions(file));
      return { messageId: sent.id };
    } catch (error) {
      if (!tokenGone(error)) throw error;
      this.#tokenGone = true;
      return this.fallback.sendFile(file);
    }
  }

  /**
   * Called once the core has settled the dispatch. A placeholder still "thinking…" (the core
   * ignored the command, refused it silently, failed to send, or shutdown cut it off) is
   * replaced by a short ephemeral note: the public placeholder goes, the sender alone sees why.
   */
  async finish(settlement: Settlement): Promise<void> {
    if (this.#original !== "pending" || this.#tokenGone) return;
    const text = settlement === "abandoned" ? CUT_OFF : NOTHING_TO_SHOW;
    await this.#sendViaInteraction({ text, plainText: text, ephemeral: true });
  }

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
