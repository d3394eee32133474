/**
 * Inline-button callback_data for commands. Telegram allows 1-64 bytes: a command that
 * fits travels as itself (so it still works after a restart); a longer one, or anything
 * that is not shaped like a command, gets a short id remembered in memory, most recently
 * used first, up to `capacity` entries.
 *
 * A press counts as addressed to the bot, so decoding only accepts what Baton could have
 * produced: a command (`/name ...`, as a user could type it anyway) or an id it still knows.
 * Anything else (a modified client can send any data) is refused, so a button cannot carry
 * plain text past the group's mention requirement.
 */

const MAX_BYTES = 64;
const ID_PREFIX = "#";
/** The shape of a command as users type it: `/name` followed by the end or whitespace. */
const COMMAND = /^\/[A-Za-z0-9_]{1,32}(?=\s|$)/;

export class CallbackDataCodec {
  private readonly idsByCommand = new Map<string, string>();
  private readonly commandsById = new Map<string, string>();
  private nextId = 1;

  constructor(private readonly capacity = 2000) {}

  /** @example codec.encode("/model opus") // "/model opus" */
  encode(command: string): string {
    if (COMMAND.test(command) && Buffer.byteLength(command, "utf8") <= MAX_BYTES) {
      return command;
    }
    let id = this.idsByCommand.get(command);
    if (id === undefined) {
      id = `${ID_PREFIX}${(this.nextId++).toString(36)}`;
    } else {
      this.idsByCommand.delete(command);
      this.commandsById.delete(id);
    }
    this.idsByCommand.set(command, id);
    this.commandsById.set(id, command);
    if (this.commandsById.size > this.capacity) {
      const [oldestId, oldestCommand] = this.commandsById.entries().next().value as [string, string];
      this.commandsById.delete(oldestId);
      this.idsByCommand.delete(oldestCommand);
    }
    return id;
  }

  /** The command a button stands for; undefined for an id that was forgotten (restart, eviction) and for data Baton never produced. */
  decode(data: unknown): string | undefined {
    if (typeof data !== "string") return undefined;
    if (data.startsWith(ID_PREFIX)) return this.commandsById.get(data);
    return COMMAND.test(data) ? data : undefined;
  }
}
