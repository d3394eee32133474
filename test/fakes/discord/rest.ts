import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { bucketHash, rateLimitHeaders, WindowCounter, type WindowLimit } from "./rate-limit.js";
import type { DiscordState, StoredChannel, StoredInteraction } from "./state.js";
import { userPayload } from "./payloads.js";
import type { RequestRecord, RestOverride, UploadedFileRecord } from "./types.js";
import { type ApiErrorBody, MAX_UPLOAD_BYTES, validateChoices, validateCommands, validateMessageBody } from "./validate.js";

export interface RestOptions {
  /** WebSocket URL `GET /gateway/bot` hands out. */
  gatewayUrl: string;
  /** Every REST bucket (route + major parameter): requests per window, announced in X-RateLimit headers. */
  bucketLimit: WindowLimit;
  /** Discord's per-channel message limit (creates and edits), not announced in headers; off when undefined. */
  channelMessageLimit?: WindowLimit;
  /** Misbehaviour switched on by tests: canned answers first, or no answer at all. */
  control: RestControl;
}

export interface RestControl {
  overrides: RestOverride[];
  /** Requests are read and then left without an answer (a hung proxy). */
  stalled: boolean;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface RouteContext {
  params: string[];
  body: any;
  query: URLSearchParams;
  /** `files[n]` parts of a multipart request. */
  files: UploadedFileRecord[];
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  /** Needs `Authorization: Bot <token>` (interaction and webhook-token routes do not). */
  auth: boolean;
  /** Counts against the per-channel message limit. */
  messageWrite?: boolean;
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;

function json(status: number, body: unknown): Reply {
  return { status, body };
}

function apiError(status: number, error: ApiErrorBody): Reply {
  return { status, body: error };
}

const unknownChannel = () => apiError(404, { code: 10003, message: "Unknown Channel" });
const unknownMessage = () => apiError(404, { code: 10008, message: "Unknown Message" });
const unknownInteraction = () => apiError(404, { code: 10062, message: "Unknown interaction" });
const unknownWebhook = () => apiError(404, { code: 10015, message: "Unknown Webhook" });

/** Builds the request handler for everything under `/api/v10`. */
export function createRestHandler(state: DiscordState, options: RestOptions) {
  const buckets = new WindowCounter(options.bucketLimit);
  const channelLimits = options.channelMessageLimit ? new WindowCounter(options.channelMessageLimit) : undefined;

  const route = (method: string, template: string, auth: boolean, handle: Route["handle"], messageWrite = false): Route => {
    const source = template.replace(/:[a-z]+/g, "([^/]+)");
    return { method, template, pattern: new RegExp(`^${source}$`), auth, handle, messageWrite };
  };

  const channelOf = (id: string): StoredChannel | undefined => state.channels.get(id);

  const interactionByToken = (appId: string, token: string): StoredInteraction | undefined => {
    if (appId !== state.applicationId) return undefined;
    for (const interaction of state.interactions.values()) if (interaction.token === token) return interaction;
    return undefined;
  };

  const putCommands = (scope: string, body: unknown): Reply => {
    const invalid = validateCommands(body);
    if (invalid) return apiError(400, invalid);
    const previous = new Map((state.commands.get(scope) ?? []).map((c) => [c.name, c]));
    const stored = (body as any[]).map((command) => storedCommand(state, scope, command, previous.get(command.name)?.id));
    state.commands.set(scope, stored);
    state.commandPuts.push({ scope, commands: structuredClone(body as any[]), at: Date.now() });
    return json(200, stored);
  };

  const routes: Route[] = [
    route("GET", "/gateway", false, () => json(200, { url: options.gatewayUrl })),
    route("GET", "/gateway/bot", true, () =>
      json(200, {
        url: options.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 },
      }),
    ),
    route("GET", "/users/@me", true, () => json(200, userPayload(state.botUser))),
    // open (or find) the DM channel with a user, as a bot does before messaging them first
    route("POST", "/users/@me/channels", true, ({ body }) => {
      const recipient = typeof body?.recipient_id === "string" ? body.recipient_id : undefined;
      if (!recipient || !/^\d+$/.test(recipient)) return apiError(400, { code: 50035, message: "Invalid Form Body" });
      for (const channel of state.channels.values()) {
        if (!channel.guildId && channel.payload.recipients?.[0]?.id === recipient) return json(200, channel.payload);
      }
      const user = state.users.get(recipient) ?? { id: recipient, username: `user${recipient.slice(-4)}` };
      return json(200, state.ensureDmChannel(state.nextId(), user).payload);
    }),
    route("GET", "/applications/@me", true, () =>
      json(200, { id: state.applicationId, name: state.botUser.username, description: "", bot_public: true, bot_require_code_grant: false, flags: 0, owner: userPayload(state.ownerUser), bot: userPayload(state.botUser) }),
    ),
    route("GET", "/applications/:app/commands", true, ({ params: [app] }) =>
      app === state.applicationId ? json(200, state.commands.get("global") ?? []) : apiError(403, { code: 50001, message: "Missing Access" }),
    ),
    route("PUT", "/applications/:app/commands", true, ({ params: [app], body }) =>
      app === state.applicationId ? putCommands("global", body) : apiError(403, { code: 50001, message: "Missing Access" }),
    ),
    route("GET", "/applications/:app/guilds/:guild/commands", true, ({ params: [app, guild] }) =>
      app === state.applicationId && state.guilds.has(guild) ? json(200, state.commands.get(guild) ?? []) : apiError(403, { code: 50001, message: "Missing Access" }),
    ),
    route("PUT", "/applications/:app/guilds/:guild/commands", true, ({ params: [app, guild], body }) =>
      app === state.applicationId && state.guilds.has(guild) ? putCommands(guild, body) : apiError(403, { code: 50001, message: "Missing Access" }),
    ),
    route("GET", "/channels/:channel", true, ({ params: [id] }) => {
      const channel = channelOf(id);
      return channel ? json(200, channel.payload) : unknownChannel();
    }),
    route(
      "POST",
      "/channels/:channel/messages",
      true,
      ({ params: [id], body, files }) => {
        const channel = channelOf(id);
        if (!channel) return unknownChannel();
        const invalid = validateMessageBody(body, true, files.length);
        if (invalid) return apiError(400, invalid);
        const ref = body.message_reference;
        if (ref?.message_id && !state.storedMessages.has(ref.message_id) && ref.fail_if_not_exists !== false) {
          return apiError(400, { code: 50035, message: "Invalid Form Body", errors: { message_reference: { _errors: [{ code: "REPLIES_UNKNOWN_MESSAGE", message: "Unknown message" }] } } });
        }
        const message = state.botMessagePayload(channel, body, ref?.message_id ? { type: 19 } : {}, files);
        state.storedMessages.set(message.id, message);
        state.record({
          kind: "create", id: message.id, channel_id: id, content: message.content, allowed_mentions: body.allowed_mentions,
          flags: message.flags, components: message.components, message_reference: body.message_reference, source: "channel",
          ...(files.length ? { files } : {}),
        });
        return json(200, message);
      },
      true,
    ),
    route(
      "PATCH",
      "/channels/:channel/messages/:message",
      true,
      ({ params: [channelId, messageId], body, files }) => {
        if (!channelOf(channelId)) return unknownChannel();
        const message = state.storedMessages.get(messageId);
        if (!message || message.channel_id !== channelId) return unknownMessage();
        if (message.author.id !== state.botUser.id) return apiError(403, { code: 50005, message: "Cannot edit a message authored by another user" });
        const invalid = validateMessageBody(body, false, files.length);
        if (invalid) return apiError(400, invalid);
        applyEdit(state, message, body, files);
        state.record({
          kind: "edit", id: messageId, channel_id: channelId, content: message.content, allowed_mentions: body.allowed_mentions,
          flags: message.flags, components: message.components, source: "channel", ...(files.length ? { files } : {}),
        });
        return json(200, message);
      },
      true,
    ),
    // a channel's history: `after` gives the oldest `limit` messages after that id, `before` (or
    // neither) the newest before it; Discord returns both newest first
    route("GET", "/channels/:channel/messages", true, ({ params: [id], query }) => {
      if (!channelOf(id)) return unknownChannel();
      const limitText = query.get("limit");
      const limit = limitText === null ? 50 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        return apiError(400, { code: 50035, message: "Invalid Form Body", errors: { limit: { _errors: [{ code: "NUMBER_TYPE_MAX", message: "int value should be less than or equal to 100." }] } } });
      }
      const after = query.get("after");
      const before = query.get("before");
      const byId = (a: Record<string, any>, b: Record<string, any>) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0);
      let list = [...state.storedMessages.values()].filter((m) => m.channel_id === id).sort(byId);
      if (after !== null && /^\d+$/.test(after)) list = list.filter((m) => BigInt(m.id) > BigInt(after)).slice(0, limit);
      else {
        if (before !== null && /^\d+$/.test(before)) list = list.filter((m) => BigInt(m.id) < BigInt(before));
        list = list.slice(-limit);
      }
      return json(200, list.reverse());
    }),
    route("POST", "/channels/:channel/typing", true, ({ params: [id] }) => (channelOf(id) ? { status: 204 } : unknownChannel())),
    route("POST", "/interactions/:id/:token/callback", false, ({ params: [id, token], body, query }) => {
      const interaction = state.interactions.get(id);
      if (!interaction || interaction.token !== token) return unknownInteraction();
      if (interaction.callback) return apiError(400, { code: 40060, message: "Interaction has already been acknowledged." });
      return interactionCallback(state, interaction, body, query.get("with_response") === "true");
    }),
    route("POST", "/webhooks/:app/:token", false, ({ params: [app, token], body, query, files }) => {
      const interaction = interactionByToken(app, token);
      if (!interaction) return unknownWebhook();
      if (!interaction.callback) return unknownWebhook();
      const invalid = validateMessageBody(body, true, files.length);
      if (invalid) return apiError(400, invalid);
      const message = followUp(state, interaction, body, files);
      return query.get("wait") === "true" ? json(200, message) : { status: 204 };
    }),
    route("GET", "/webhooks/:app/:token/messages/:message", false, ({ params: [app, token, messageId] }) => {
      const interaction = interactionByToken(app, token);
      if (!interaction) return unknownWebhook();
      const message = webhookMessage(state, interaction, messageId);
      return message ? json(200, message) : unknownMessage();
    }),
    route("PATCH", "/webhooks/:app/:token/messages/:message", false, ({ params: [app, token, messageId], body, files }) => {
      const interaction = interactionByToken(app, token);
      if (!interaction) return unknownWebhook();
      const message = webhookMessage(state, interaction, messageId);
      if (!message) return unknownMessage();
      const invalid = validateMessageBody(body, false, files.length);
      if (invalid) return apiError(400, invalid);
      applyEdit(state, message, body, files);
      message.flags &= ~LOADING;
      if (interaction.original && interaction.original.id === message.id) {
        interaction.original.content = message.content;
        interaction.original.flags = message.flags;
        interaction.original.edits += 1;
      }
      state.record({
        kind: "edit", id: message.id, channel_id: message.channel_id, content: message.content, allowed_mentions: body.allowed_mentions,
        flags: message.flags, components: message.components, source: "interaction", interactionId: interaction.id,
        ...(files.length ? { files } : {}),
      });
      return json(200, message);
    }),
    route("DELETE", "/webhooks/:app/:token/messages/:message", false, ({ params: [app, token, messageId] }) => {
      const interaction = interactionByToken(app, token);
      if (!interaction) return unknownWebhook();
      const message = webhookMessage(state, interaction, messageId);
      if (!message) return unknownMessage();
      state.storedMessages.delete(message.id);
      const original = interaction.original;
      if (original && original.id === message.id) original.deleted = true;
      state.record({
        kind: "delete", id: message.id, channel_id: message.channel_id, content: message.content, allowed_mentions: undefined,
        flags: message.flags, components: [], source: "interaction", interactionId: interaction.id,
      });
      return { status: 204 };
    }),
  ];

  const authorized = (req: IncomingMessage) => req.headers.authorization === `Bot ${state.token}`;

  return async function handleRest(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const at = performance.now();
    const method = req.method ?? "GET";
    const finish = (reply: Reply, headers: Record<string, string> = {}) => {
      state.requests.push({ method, path, status: reply.status, at });
      if (reply.status === 429) state.count429 += 1;
      send(res, reply, headers);
      state.changed();
    };

    const { control } = options;
    const override = control.overrides.find((o) => (o.method ?? method) === method && (typeof o.path === "string" ? o.path === path : o.path.test(path)));
    if (override && override.times !== undefined && --override.times <= 0) control.overrides.splice(control.overrides.indexOf(override), 1);
    if (control.stalled || override?.hang) {
      for await (const _ of req);
      const record: RequestRecord = { method, path, status: 0, at };
      state.requests.push(record);
      res.on("close", () => {
        record.abandoned = true;
        state.changed();
      });
      state.changed();
      return;
    }
    if (override) {
      for await (const _ of req);
      state.requests.push({ method, path, status: override.status, at });
      if (override.status === 429) state.count429 += 1;
      sendRaw(res, override);
      state.changed();
      return;
    }

    const match = routes
      .filter((r) => r.method === method)
      .map((r) => ({ r, m: r.pattern.exec(path) }))
      .find((x) => x.m);
    if (!match) {
      const known = routes.some((r) => r.pattern.test(path));
      return finish(known ? apiError(405, { code: 0, message: "405: Method Not Allowed" }) : apiError(404, { code: 0, message: "404: Not Found" }));
    }
    const { r, m } = match;
    const params = m!.slice(1).map(decodeURIComponent);

    let body: any;
    let files: UploadedFileRecord[];
    try {
      ({ body, files } = await readBody(req));
    } catch (error) {
      return finish(apiError(400, { code: 50109, message: `The request body contains invalid JSON. (${(error as Error).message})` }));
    }
    if (files.some((file) => file.size > MAX_UPLOAD_BYTES)) return finish(apiError(413, { code: 40005, message: "Request entity too large" }));
    if (r.auth && !authorized(req)) return finish(apiError(401, { code: 0, message: "401: Unauthorized" }));

    const now = Date.now();
    const bucket = bucketHash(`${method} ${r.template}`);
    const window = buckets.hit(`${bucket}:${params[0] ?? ""}`, now);
    const headers = rateLimitHeaders(window, bucket, now);
    if (window.exceeded) return finish(rateLimited(window.resetAt - now, "user"), headers);
    if (r.messageWrite && channelLimits) {
      const channelWindow = channelLimits.hit(params[0], now);
      if (channelWindow.exceeded) return finish(rateLimited(channelWindow.resetAt - now, "shared"), headers);
    }
    finish(await r.handle({ params, body, query, files }), headers);
  };
}

function rateLimited(retryAfterMs: number, scope: "user" | "shared"): Reply {
  const seconds = Math.max(0.001, retryAfterMs / 1000);
  return {
    status: 429,
    body: { message: "You are being rate limited.", retry_after: Number(seconds.toFixed(3)), global: false },
    headers: { "Retry-After": String(Math.ceil(seconds)), "X-RateLimit-Scope": scope },
  };
}

function send(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
  const all: Record<string, string> = { ...headers, ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, all).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...all, "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)) }).end(text);
}

/** A canned answer: exactly the override's status, headers and body. */
function sendRaw(res: ServerResponse, override: RestOverride): void {
  const headers = { ...override.headers };
  if (override.body === undefined) return void res.writeHead(override.status, headers).end();
  const text = typeof override.body === "string" ? override.body : JSON.stringify(override.body);
  if (typeof override.body !== "string") headers["Content-Type"] ??= "application/json";
  res.writeHead(override.status, headers).end(text);
}

/**
 * A JSON body, or Discord's multipart form: the JSON in `payload_json` and the uploads in
 * `files[n]` parts (what discord.js sends when a message carries attachments).
 */
async function readBody(req: IncomingMessage): Promise<{ body: any; files: UploadedFileRecord[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return { body: undefined, files: [] };
  const type = req.headers["content-type"] ?? "";
  const raw = Buffer.concat(chunks);
  if (type.startsWith("multipart/form-data")) return readMultipart(raw, type);
  if (!type.includes("application/json")) throw new Error(`fake discord takes JSON or multipart bodies, got ${type || "no content type"}`);
  return { body: JSON.parse(raw.toString("utf8")), files: [] };
}

async function readMultipart(raw: Buffer, type: string): Promise<{ body: any; files: UploadedFileRecord[] }> {
  const form = await new Response(raw, { headers: { "content-type": type } }).formData();
  const payload = form.get("payload_json");
  const body = typeof payload === "string" ? JSON.parse(payload) : {};
  const files: UploadedFileRecord[] = [];
  for (const [key, value] of form.entries()) {
    if (!/^files\[\d+\]$/.test(key) || typeof value === "string") continue;
    const bytes = Buffer.from(await value.arrayBuffer());
    files.push({ name: value.name, content: bytes.toString("utf8"), size: bytes.length, contentType: value.type || "application/octet-stream" });
  }
  return { body, files };
}

function applyEdit(state: DiscordState, message: Record<string, any>, body: Record<string, any>, files: readonly UploadedFileRecord[] = []): void {
  if (files.length) message.attachments = [...(message.attachments ?? []), ...state.attachmentPayloads(message.channel_id, files)];
  if (body.content !== undefined) message.content = body.content ?? "";
  if (body.components !== undefined) message.components = body.components ?? [];
  if (body.embeds !== undefined) message.embeds = body.embeds ?? [];
  if (body.flags !== undefined) message.flags = (message.flags & ~0b100) | (body.flags & 0b100);
  message.edited_timestamp = new Date().toISOString();
}

/** Discord keeps false `required`/`autocomplete` out of stored options; so does the fake. */
function storedOption(option: Record<string, any>): Record<string, any> {
  const stored: Record<string, any> = { type: option.type, name: option.name, description: option.description };
  if (option.required) stored.required = true;
  if (option.autocomplete) stored.autocomplete = true;
  if (option.choices?.length) stored.choices = option.choices.map((c: any) => ({ name: c.name, value: c.value }));
  return stored;
}

function storedCommand(state: DiscordState, scope: string, command: Record<string, any>, keepId?: string): Record<string, any> {
  return {
    id: keepId ?? state.nextId(),
    application_id: state.applicationId,
    version: state.nextId(),
    default_member_permissions: command.default_member_permissions ?? null,
    type: command.type ?? 1,
    name: command.name,
    description: command.description,
    ...(scope === "global" ? { dm_permission: command.dm_permission ?? true, contexts: command.contexts ?? null, integration_types: command.integration_types ?? [0] } : { guild_id: scope }),
    nsfw: command.nsfw ?? false,
    ...(command.options?.length ? { options: command.options.map(storedOption) } : {}),
  };
}

function channelForInteraction(state: DiscordState, interaction: StoredInteraction): StoredChannel {
  return state.channels.get(interaction.channel_id) ?? { payload: { id: interaction.channel_id }, guildId: interaction.guild_id };
}

function interactionCallback(state: DiscordState, interaction: StoredInteraction, body: any, withResponse: boolean): Reply {
  const type = body?.type;
  const allowed = interaction.type === 4 ? [8] : interaction.type === 3 ? [4, 5, 6, 7] : [4, 5];
  if (!allowed.includes(type)) {
    return apiError(400, { code: 50035, message: "Invalid Form Body", errors: { type: { _errors: [{ code: "INTERACTION_RESPONSE_TYPE_INVALID", message: "Invalid interaction response type" }] } } });
  }
  const data = body.data ?? {};
  if (type === 8) {
    const invalid = validateChoices(data.choices);
    if (invalid) return apiError(400, invalid);
  }
  if (type === 4) {
    const invalid = validateMessageBody(data, true);
    if (invalid) return apiError(400, invalid);
  }
  interaction.callback = { type, data: structuredClone(data), afterMs: Date.now() - interaction.emittedAt };
  let message: Record<string, any> | undefined;
  if (type === 4 || type === 5) {
    const flags = (data.flags ?? 0) & EPHEMERAL;
    message = state.botMessagePayload(channelForInteraction(state, interaction), { ...data, flags: type === 5 ? flags | LOADING : flags }, {
      type: 20,
      webhook_id: state.applicationId,
      application_id: state.applicationId,
      interaction_metadata: {
        id: interaction.id,
        type: interaction.type,
        user: interaction.payload.user ?? interaction.payload.member?.user,
        authorizing_integration_owners: interaction.payload.authorizing_integration_owners,
      },
    });
    state.storedMessages.set(message.id, message);
    interaction.original = { id: message.id, content: message.content, flags: message.flags, deleted: false, edits: 0 };
    if (type === 4) {
      state.record({
        kind: "create", id: message.id, channel_id: interaction.channel_id, content: message.content, allowed_mentions: data.allowed_mentions,
        flags: message.flags, components: message.components, source: "interaction", interactionId: interaction.id,
      });
    }
  }
  if (!withResponse) return { status: 204 };
  return json(200, {
    interaction: {
      id: interaction.id,
      type: interaction.type,
      response_message_id: message?.id,
      response_message_loading: type === 5,
      response_message_ephemeral: Boolean((message?.flags ?? 0) & EPHEMERAL),
    },
    resource: { type, ...(message ? { message } : {}) },
  });
}

/**
 * A follow-up. As on Discord, the first follow-up after a deferred response fills the
 * "thinking" original and keeps the defer's visibility; later ones are new messages.
 */
function followUp(state: DiscordState, interaction: StoredInteraction, body: any, files: UploadedFileRecord[]): Record<string, any> {
  const original = interaction.original ? state.storedMessages.get(interaction.original.id) : undefined;
  if (original && !interaction.original!.deleted && original.flags & LOADING) {
    applyEdit(state, original, body, files);
    original.flags &= ~LOADING;
    interaction.original!.content = original.content;
    interaction.original!.flags = original.flags;
    interaction.original!.edits += 1;
    state.record({
      kind: "edit", id: original.id, channel_id: interaction.channel_id, content: original.content, allowed_mentions: body.allowed_mentions,
      flags: original.flags, components: original.components, source: "interaction", interactionId: interaction.id,
      ...(files.length ? { files } : {}),
    });
    return original;
  }
  const message = state.botMessagePayload(
    channelForInteraction(state, interaction),
    { ...body, flags: (body.flags ?? 0) & EPHEMERAL },
    { webhook_id: state.applicationId, application_id: state.applicationId },
    files,
  );
  state.storedMessages.set(message.id, message);
  interaction.followUps.push({ id: message.id, content: message.content, flags: message.flags, afterMs: Date.now() - interaction.emittedAt });
  state.record({
    kind: "create", id: message.id, channel_id: interaction.channel_id, content: message.content, allowed_mentions: body.allowed_mentions,
    flags: message.flags, components: message.components, source: "interaction", interactionId: interaction.id,
    ...(files.length ? { files } : {}),
  });
  return message;
}

function webhookMessage(state: DiscordState, interaction: StoredInteraction, messageId: string): Record<string, any> | undefined {
  if (messageId === "@original") {
    if (!interaction.original || interaction.original.deleted) return undefined;
    return state.storedMessages.get(interaction.original.id);
  }
  const isOwn = interaction.original?.id === messageId || interaction.followUps.some((f) => f.id === messageId);
  return isOwn ? state.storedMessages.get(messageId) : undefined;
}
