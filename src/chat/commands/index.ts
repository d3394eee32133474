import { helpCommand, resetCommand, startCommand, statusCommand, stopCommand, whoamiCommand } from "./basic.js";
import { modelCommand } from "./model.js";
import { CommandRegistry } from "./registry.js";
import { usageCommand } from "./usage.js";

/** The chat commands every channel gets. */
export function defaultCommands(): CommandRegistry {
  return new CommandRegistry().register(modelCommand).register(helpCommand).register(statusCommand).register(resetCommand).register(stopCommand).register(whoamiCommand).register(startCommand).register(usageCommand);
}
