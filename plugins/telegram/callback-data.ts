/**
 * Inline-button callback_data for commands. Telegram allows 1-64 bytes: a command that
 * fits travels as itself (so it still works after a restart); a longer one gets a short
 * id remembered in memory, most recently used first, up to `capacity` entries.
 */

const MAX_BYTES = 64;
const ID_PREFIX = "#";

export class CallbackDataCodec {
  private readonly idsByCommand = new Map<string, string>();
  private readonly commandsById = new Map<string, string>();
  private nextId = 1;

  constructor(private readonly capacity = 2000) {}

  /** @example codec.encode("/model opus") // "/model opus" */
  encode(command: string): string {
    if (command.length > 0 && !command.startsWith(ID_PREFIX) && Buffer.byteLength(command, "utf8") <= MAX_BYTES) {
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

  /** The command a button stands for; undefined for an id that was forgotten (restart, eviction). */
  decode(data: string): string | undefined {
    if (!data.startsWith(ID_PREFIX)) return data;
    return this.commandsById.get(data);
  }
}
