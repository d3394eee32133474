/**
 * Reads Bot API method parameters the ways Telegram accepts them: URL query string,
 * application/json, application/x-www-form-urlencoded and multipart/form-data.
 * Form values arrive as strings; objects (reply_markup, commands...) are JSON-encoded;
 * uploaded files arrive as {@link UploadedFile}s under their part name.
 */
import type { IncomingMessage } from "node:http";

export type Params = Record<string, unknown>;

/** A file part of a multipart request. */
export class UploadedFile {
  constructor(
    readonly filename: string,
    readonly contentType: string | undefined,
    readonly content: Buffer,
  ) {}
}

/** Thrown when a body cannot be read; the server answers 400 with this description. */
export class BadParamsError extends Error {}

const NUMBER_FIELDS = new Set([
  "chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id", "reply_to_message_id",
  "max_connections", "cache_time", "user_id",
]);

const JSON_FIELDS = new Set([
  "reply_markup", "reply_parameters", "allowed_updates", "commands", "scope", "entities", "link_preview_options",
]);

export async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = {};
  for (const [key, value] of url.searchParams) params[key] = value;
  const body = await readBody(req);
  if (body.length === 0) return coerce(params);
  const contentType = req.headers["content-type"] ?? "";
  const type = contentType.toLowerCase();
  if (type.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new BadParamsError("Bad Request: can't parse JSON object");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new BadParamsError("Bad Request: can't parse JSON object");
    }
    return { ...coerce(params), ...(parsed as Params) };
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(body.toString("utf8"))) params[key] = value;
    return coerce(params);
  }
  if (type.startsWith("multipart/form-data")) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) throw new BadParamsError("Bad Request: multipart boundary missing");
    Object.assign(params, parseMultipart(body, boundary));
    return coerce(params);
  }
  return coerce(params);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The parts of a multipart body: text fields as strings, file parts (with a filename) as {@link UploadedFile}s. */
function parseMultipart(body: Buffer, boundary: string): Params {
  const params: Params = {};
  const delimiter = Buffer.from(`--${boundary}`);
  const CRLF = Buffer.from("\r\n");
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break; // the closing delimiter
    if (body.subarray(start, start + 2).equals(CRLF)) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new BadParamsError("Bad Request: multipart body is not terminated");
    const end = body.subarray(next - 2, next).equals(CRLF) ? next - 2 : next;
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString("utf8");
      const content = part.subarray(headerEnd + 4);
      const name = /(?:^|[;\s])name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="?([^";\r\n]*)"?/i.exec(headers)?.[1];
      const type = /content-type:\s*([^\r\n;]+)/i.exec(headers)?.[1];
      if (name !== undefined) params[name] = filename !== undefined ? new UploadedFile(filename, type, Buffer.from(content)) : content.toString("utf8");
    }
    at = next;
  }
  return params;
}

/** Form values are strings: decode JSON-typed fields, numbers and booleans as Telegram does. */
function coerce(params: Params): Params {
  const out: Params = {};
  for (const [key, value] of Object.entries(params)) {
    if (typeof value !== "string") {
      out[key] = value;
    } else if (JSON_FIELDS.has(key)) {
      try {
        out[key] = JSON.parse(value);
      } catch {
        throw new BadParamsError(`Bad Request: can't parse ${key} JSON object`);
      }
    } else if (NUMBER_FIELDS.has(key) && /^-?\d+$/.test(value)) {
      out[key] = Number(value);
    } else if (key !== "text" && (value === "true" || value === "false")) {
      out[key] = value === "true";
    } else {
      out[key] = value;
    }
  }
  return out;
}
