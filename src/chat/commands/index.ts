import { helpCommand, resetCommand, statusCommand, stopCommand, whoamiCommand } from "./basic.js";
import { modelCommand } from "./model.js";
import { CommandRegistry } from "./registry.js";

/** The chat commands every channel gets. */
export function defaultCommands(): CommandRegistry {
  return new CommandRegistry().register(modelCommand).register(helpCommand).register(statusCommand).register(resetCommand).register(stopCommand).register(whoamiCommand);
}
