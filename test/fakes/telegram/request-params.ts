/**
 * Reads Bot API method parameters the ways Telegram accepts them: URL query string,
 * application/json, application/x-www-form-urlencoded and multipart/form-data.
 * Form values arrive as strings; objects (reply_markup, commands...) are JSON-encoded.
 */
import type { IncomingMessage } from "node:http";

export type Params = Record<string, unknown>;

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
  const type = (req.headers["content-type"] ?? "").toLowerCase();
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
    const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
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

/** Text fields of a multipart body (files are not needed by the fake). */
function parseMultipart(body: Buffer, boundary: string): Params {
  const params: Params = {};
  for (const part of body.toString("utf8").split(`--${boundary}`)) {
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) continue;
    const name = /name="([^"]*)"/.exec(part.slice(0, headerEnd))?.[1];
    if (name === undefined) continue;
    params[name] = part.slice(headerEnd + 4).replace(/\r\n$/, "");
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
