/** Validation of a `POST /v1/messages` body, with messages worded like the real API's. */

export type CacheTtl = "5m" | "1h";

/** One prompt block in request order (system blocks, then message blocks), as the cache sees it. */
export interface PromptBlock {
  /** Stable serialisation of the block without its cache_control, for prefix hashing. */
  key: string;
  /** Approximate token count (4 characters a token, at least 1). */
  tokens: number;
  /** Set when the block carries `cache_control`. */
  cacheTtl?: CacheTtl;
}

export interface ValidMessagesRequest {
  model: string;
  maxTokens: number;
  stream: boolean;
  blocks: PromptBlock[];
  /** Text of the last user message (text blocks joined). */
  lastUserText: string;
  /** Images of the last user message, in order. */
  lastUserImages: RecordedImage[];
}

/** An image block the fake accepted. */
export interface RecordedImage {
  mediaType: string;
  /** Decoded size. */
  bytes: number;
}

export type ValidationResult = { ok: true; request: ValidMessagesRequest } | { ok: false; message: string };

class Invalid extends Error {}

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function cacheTtlOf(block: Record<string, unknown>, path: string): CacheTtl | undefined {
  const control = block.cache_control;
  if (control === undefined || control === null) return undefined;
  if (!isObject(control) || control.type !== "ephemeral") {
    throw new Invalid(`${path}.cache_control.type: Input should be 'ephemeral'`);
  }
  if (control.ttl === undefined) return "5m";
  if (control.ttl !== "5m" && control.ttl !== "1h") {
    throw new Invalid(`${path}.cache_control.ttl: Input should be '5m' or '1h'`);
  }
  return control.ttl;
}

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];
/** The API's per-image limit (5 MB of decoded bytes). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** What the fake counts an image as (the API: about width·height/750, at most ~1600). */
const IMAGE_TOKENS = 1600;

function sniffImageType(bytes: Buffer): string | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString("latin1"))) return "image/gif";
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString("latin1") === "RIFF" && bytes.subarray(8, 12).toString("latin1") === "WEBP") return "image/webp";
  return undefined;
}

/** An image block as the API checks it: base64 source, an accepted type that matches the bytes, at most 5 MB. */
function imageOf(block: Record<string, unknown>, path: string): RecordedImage {
  const source = block.source;
  if (!isObject(source)) throw new Invalid(`${path}.image.source: Field required`);
  if (source.type !== "base64") throw new Invalid(`${path}.image.source: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags: 'base64', 'url'`);
  if (typeof source.media_type !== "string" || !IMAGE_TYPES.includes(source.media_type)) {
    throw new Invalid(`${path}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
  }
  if (typeof source.data !== "string" || source.data.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(source.data) || source.data.length % 4 !== 0) {
    throw new Invalid(`${path}.image.source.base64.data: Invalid base64 data`);
  }
  const bytes = Buffer.from(source.data, "base64");
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new Invalid(`${path}.image.source.base64: image exceeds 5 MB maximum: ${bytes.length} bytes > ${MAX_IMAGE_BYTES} bytes`);
  }
  const actual = sniffImageType(bytes);
  if (!actual) throw new Invalid(`${path}.image.source.base64.data: Could not process image`);
  if (actual !== source.media_type) {
    throw new Invalid(`${path}.image.source.base64.data: The image was specified using the ${source.media_type} media type, but the image appears to be a ${actual} image`);
  }
  return { mediaType: source.media_type, bytes: bytes.length };
}

function blockOf(block: unknown, path: string): { block: PromptBlock; text: string; image?: RecordedImage } {
  if (!isObject(block) || typeof block.type !== "string") {
    throw new Invalid(`${path}.type: Field required`);
  }
  let text = "";
  let image: RecordedImage | undefined;
  if (block.type === "text") {
    if (typeof block.text !== "string") throw new Invalid(`${path}.text: Field required`);
    if (block.text.length === 0) throw new Invalid("messages: text content blocks must be non-empty");
    text = block.text;
  } else if (block.type === "image") {
    image = imageOf(block, path);
  }
  const { cache_control: _ignored, ...rest } = block;
  const key = JSON.stringify(rest);
  const tokens = image ? IMAGE_TOKENS : estimateTokens(text || key);
  return { block: { key, tokens, cacheTtl: cacheTtlOf(block, path) }, text, image };
}

function contentBlocks(content: unknown, path: string): { blocks: PromptBlock[]; text: string; images: RecordedImage[] } {
  if (typeof content === "string") {
    if (content.length === 0) throw new Invalid("messages: text content blocks must be non-empty");
    return { blocks: [{ key: JSON.stringify({ type: "text", text: content }), tokens: estimateTokens(content) }], text: content, images: [] };
  }
  if (!Array.isArray(content)) throw new Invalid(`${path}: Input should be a valid string or list`);
  if (content.length === 0) throw new Invalid(`${path}: messages must have non-empty content`);
  const parsed = content.map((block, i) => blockOf(block, `${path}.${i}`));
  return {
    blocks: parsed.map((p) => p.block),
    text: parsed.map((p) => p.text).join(""),
    images: parsed.flatMap((p) => (p.image ? [p.image] : [])),
  };
}

function validate(body: unknown): ValidMessagesRequest {
  if (!isObject(body)) throw new Invalid("There was an error parsing the body: expected a JSON object");
  if (body.model === undefined) throw new Invalid("model: Field required");
  if (typeof body.model !== "string" || body.model === "") throw new Invalid("model: Input should be a valid string");
  if (body.max_tokens === undefined) throw new Invalid("max_tokens: Field required");
  if (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens)) {
    throw new Invalid("max_tokens: Input should be a valid integer");
  }
  if (body.max_tokens < 1) throw new Invalid("max_tokens: Input should be greater than or equal to 1");
  if (body.stream !== undefined && typeof body.stream !== "boolean") {
    throw new Invalid("stream: Input should be a valid boolean");
  }
  if (body.temperature !== undefined) {
    if (typeof body.temperature !== "number") throw new Invalid("temperature: Input should be a valid number");
    if (body.temperature < 0 || body.temperature > 1) {
      throw new Invalid("temperature: Input should be less than or equal to 1 and greater than or equal to 0");
    }
  }

  const blocks: PromptBlock[] = [];
  if (typeof body.system === "string") {
    if (body.system.length > 0) blocks.push({ key: JSON.stringify({ type: "text", text: body.system }), tokens: estimateTokens(body.system) });
  } else if (Array.isArray(body.system)) {
    body.system.forEach((block, i) => blocks.push(blockOf(block, `system.${i}`).block));
  } else if (body.system !== undefined) {
    throw new Invalid("system: Input should be a valid string or list");
  }

  if (body.messages === undefined) throw new Invalid("messages: Field required");
  if (!Array.isArray(body.messages)) throw new Invalid("messages: Input should be a valid list");
  if (body.messages.length === 0) throw new Invalid("messages: at least one message is required");
  let previousRole: string | undefined;
  let lastUserText = "";
  let lastUserImages: RecordedImage[] = [];
  body.messages.forEach((message: unknown, i: number) => {
    if (!isObject(message)) throw new Invalid(`messages.${i}: Input should be a valid dictionary`);
    const { role } = message;
    if (role !== "user" && role !== "assistant") {
      throw new Invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    if (i === 0 && role !== "user") throw new Invalid('messages: first message must use the "user" role');
    if (role === previousRole) {
      throw new Invalid(
        `messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row`,
      );
    }
    previousRole = role;
    const content = contentBlocks(message.content, `messages.${i}.content`);
    blocks.push(...content.blocks);
    if (role === "user") {
      lastUserText = content.text;
      lastUserImages = content.images;
    }
  });

  const breakpoints = blocks.filter((b) => b.cacheTtl).length;
  if (breakpoints > 4) {
    throw new Invalid(`A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`);
  }

  return { model: body.model, maxTokens: body.max_tokens, stream: body.stream === true, blocks, lastUserText, lastUserImages };
}

/** Check a parsed request body as the real Messages API would. */
export function validateMessagesBody(body: unknown): ValidationResult {
  try {
    return { ok: true, request: validate(body) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, message: err.message };
    throw err;
  }
}
