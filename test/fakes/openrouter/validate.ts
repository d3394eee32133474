/**
 * Request validation of the fake OpenRouter chat completions endpoint: the checks OpenRouter (and
 * the OpenAI schema it follows) applies to the fields Baton sends, with messages in its style.
 */

export interface ValidChatRequest {
  model: string;
  stream: boolean;
  maxTokens: number | undefined;
  /** Usage in the final chunk: `stream_options.include_usage` or OpenRouter's `usage.include`. */
  includeUsage: boolean;
  /** All text of the request (for the token estimate). */
  promptText: string;
  lastUserText: string;
  /** Images of all user messages: media type and decoded size. */
  images: { mediaType: string; bytes: number }[];
}

export type Validation = { ok: true; request: ValidChatRequest } | { ok: false; message: string };

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);
const DATA_URL = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/]+={0,2})$/;

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(message: string): Validation {
  return { ok: false, message };
}

interface Collected {
  text: string[];
  images: ValidChatRequest["images"];
}

function checkContent(content: unknown, role: string, path: string, into: Collected): string | undefined {
  if (typeof content === "string") {
    into.text.push(content);
    return undefined;
  }
  if (!Array.isArray(content)) return `${path}.content: expected a string or an array of content parts`;
  for (const [j, part] of content.entries()) {
    const at = `${path}.content[${j}]`;
    if (!isObject(part)) return `${at}: expected an object`;
    if (part.type === "text") {
      if (typeof part.text !== "string") return `${at}.text: expected a string`;
      into.text.push(part.text);
    } else if (part.type === "image_url") {
      if (role !== "user") return `${at}: image_url parts are only allowed in user messages`;
      const url = isObject(part.image_url) ? part.image_url.url : undefined;
      if (typeof url !== "string") return `${at}.image_url.url: expected a string`;
      if (/^https?:\/\//.test(url)) continue;
      const match = DATA_URL.exec(url);
      if (!match) return `${at}.image_url.url: expected an http(s) URL or a base64 data URL of a png, jpeg, gif or webp image`;
      into.images.push({ mediaType: match[1], bytes: Buffer.from(match[2], "base64").length });
    } else {
      return `${at}.type: unsupported content part type ${JSON.stringify(part.type)}`;
    }
  }
  return undefined;
}

export function validateChatBody(body: unknown): Validation {
  if (!isObject(body)) return fail("Input required: specify a JSON body");
  if (typeof body.model !== "string" || !body.model) return fail("model: expected a model id such as anthropic/claude-opus-4.5");
  if (!Array.isArray(body.messages) || body.messages.length === 0) return fail("messages: at least one message is required");
  if (body.stream !== undefined && typeof body.stream !== "boolean") return fail("stream: expected a boolean");
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (maxTokens !== undefined && (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1)) {
    return fail("max_tokens: expected a positive integer");
  }
  if (body.temperature !== undefined && (typeof body.temperature !== "number" || body.temperature < 0 || body.temperature > 2)) {
    return fail("temperature: expected a number between 0 and 2");
  }
  const collected: Collected = { text: [], images: [] };
  let lastUserText = "";
  for (const [i, message] of body.messages.entries()) {
    const path = `messages[${i}]`;
    if (!isObject(message)) return fail(`${path}: expected an object`);
    if (typeof message.role !== "string" || !ROLES.has(message.role)) return fail(`${path}.role: expected one of system, user, assistant, tool`);
    const before = collected.text.length;
    const problem = checkContent(message.content, message.role, path, collected);
    if (problem) return fail(problem);
    if (message.role === "user") lastUserText = collected.text.slice(before).join("");
  }
  const streamOptions = isObject(body.stream_options) ? body.stream_options : undefined;
  const usage = isObject(body.usage) ? body.usage : undefined;
  return {
    ok: true,
    request: {
      model: body.model,
      stream: body.stream === true,
      maxTokens: maxTokens as number | undefined,
      includeUsage: streamOptions?.include_usage === true || usage?.include === true,
      promptText: collected.text.join("\n"),
      lastUserText,
      images: collected.images,
    },
  };
}
