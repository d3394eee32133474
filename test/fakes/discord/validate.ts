/** Request-body checks the fake shares with Discord, answering with Discord's error shapes. */

export interface ApiErrorBody {
  code: number;
  message: string;
  errors?: Record<string, unknown>;
}

export const MAX_CONTENT_LENGTH = 2000;
/** Discord's upload limit for a bot without boosts (the interactions' `attachment_size_limit`). */
export const MAX_UPLOAD_BYTES = 26_214_400;

function fieldError(code: string, message: string): { _errors: { code: string; message: string }[] } {
  return { _errors: [{ code, message }] };
}

/** The 50035 "Invalid Form Body" error with Discord's nested `errors` object. */
export function invalidFormBody(errors: Record<string, unknown>): ApiErrorBody {
  return { code: 50035, message: "Invalid Form Body", errors };
}

/**
 * Validates a message create/edit body; `requireContent` for creates (Discord rejects empty
 * messages, unless they carry `fileCount` uploaded files).
 */
export function validateMessageBody(body: Record<string, any> | undefined, requireContent: boolean, fileCount = 0): ApiErrorBody | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    if (requireContent && fileCount === 0) return { code: 50006, message: "Cannot send an empty message" };
    if (body === undefined) return null;
    return invalidFormBody({ _errors: [{ code: "DICT_TYPE_CONVERT", message: "Only dictionaries may be used in a DictType" }] });
  }
  const content = body.content;
  if (content !== undefined && content !== null && typeof content !== "string") {
    return invalidFormBody({ content: fieldError("STRING_TYPE_CONVERT", "Could not interpret value as string.") });
  }
  if (typeof content === "string" && content.length > MAX_CONTENT_LENGTH) {
    return invalidFormBody({ content: fieldError("BASE_TYPE_MAX_LENGTH", `Must be ${MAX_CONTENT_LENGTH} or fewer in length.`) });
  }
  const hasOther = (body.embeds?.length ?? 0) > 0 || (body.components?.length ?? 0) > 0 || (body.sticker_ids?.length ?? 0) > 0 || fileCount > 0;
  if (requireContent && !content && !hasOther) return { code: 50006, message: "Cannot send an empty message" };
  const components = body.components ?? [];
  if (components.length > 5) return invalidFormBody({ components: fieldError("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.") });
  for (const [r, row] of components.entries()) {
    if (row?.type !== 1 || !Array.isArray(row.components) || row.components.length === 0 || row.components.length > 5) {
      return invalidFormBody({ components: { [r]: fieldError("COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Invalid action row.") } });
    }
    for (const [c, button] of row.components.entries()) {
      const bad =
        (button.type === 2 && button.style !== 5 && (typeof button.custom_id !== "string" || button.custom_id.length === 0 || button.custom_id.length > 100)) ||
        (typeof button.label === "string" && button.label.length > 80);
      if (bad) return invalidFormBody({ components: { [r]: { components: { [c]: fieldError("BASE_TYPE_BAD_LENGTH", "Invalid button.") } } } });
    }
  }
  const parse = body.allowed_mentions?.parse;
  if (parse !== undefined && (!Array.isArray(parse) || parse.some((p: unknown) => !["users", "roles", "everyone"].includes(p as string)))) {
    return invalidFormBody({ allowed_mentions: { parse: fieldError("ENUM_TYPE_COERCE", "Value must be one of users, roles, everyone.") } });
  }
  return null;
}

const COMMAND_NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

function validName(name: unknown): boolean {
  return typeof name === "string" && COMMAND_NAME.test(name) && name === name.toLowerCase();
}

function validDescription(description: unknown): boolean {
  return typeof description === "string" && description.length >= 1 && description.length <= 100;
}

/** Validates a bulk-overwrite body of chat-input commands (names, descriptions, option order, choices). */
export function validateCommands(commands: unknown): ApiErrorBody | null {
  if (!Array.isArray(commands)) return invalidFormBody({ _errors: [{ code: "LIST_TYPE_CONVERT", message: "Must be an array." }] });
  if (commands.length > 100) return invalidFormBody({ _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 100 or fewer in length." }] });
  const names = new Set<string>();
  for (const [i, command] of commands.entries()) {
    if (!validName(command?.name)) return invalidFormBody({ [i]: { name: fieldError("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid") } });
    if (names.has(command.name)) return invalidFormBody({ [i]: { name: fieldError("APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique") } });
    names.add(command.name);
    if (!validDescription(command.description)) {
      return invalidFormBody({ [i]: { description: fieldError("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.") } });
    }
    const options: any[] = command.options ?? [];
    if (options.length > 25) return invalidFormBody({ [i]: { options: fieldError("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.") } });
    let sawOptional = false;
    for (const [j, option] of options.entries()) {
      const at = (field: string, code: string, message: string) => invalidFormBody({ [i]: { options: { [j]: { [field]: fieldError(code, message) } } } });
      if (!validName(option?.name)) return at("name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid");
      if (!validDescription(option.description)) return at("description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
      if (option.required) {
        if (sawOptional) return at("required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options");
      } else sawOptional = true;
      const choices: any[] | undefined = option.choices;
      if (choices && choices.length > 25) return at("choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
      if (choices?.length && option.autocomplete) return at("autocomplete", "AUTOCOMPLETE_CHOICES_MUTUALLY_EXCLUSIVE", "Autocomplete and choices are mutually exclusive");
    }
  }
  return null;
}

/** Validates autocomplete result choices (at most 25, names and values 1–100 characters). */
export function validateChoices(choices: unknown): ApiErrorBody | null {
  if (!Array.isArray(choices) || choices.length > 25) {
    return invalidFormBody({ data: { choices: fieldError("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.") } });
  }
  for (const [i, choice] of choices.entries()) {
    const ok = typeof choice?.name === "string" && choice.name.length >= 1 && choice.name.length <= 100 && String(choice.value).length <= 100;
    if (!ok) return invalidFormBody({ data: { choices: { [i]: fieldError("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.") } } });
  }
  return null;
}
