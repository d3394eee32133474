/**
 * A local Discord for tests: REST under `/api/v10` and the gateway WebSocket, on 127.0.0.1
 * port 0. The real discord.js talks to it through `rest: { api: fake.apiRoot }`; the gateway
 * URL comes from its `GET /gateway/bot`.
 *
 * @example
 * const fake = await startFakeDiscord();
 * fake.addGuild({ id: "1", channels: [{ id: "10", name: "general", type: 0 }] });
 * // ... start the plugin with { apiRoot: fake.apiRoot, token: fake.token }
 * fake.emitMessage({ channel_id: "10", guild_id: "1", author: alice, content: "hi" });
 * await fake.waitFor(() => fake.messages.find((m) => m.channel_id === "10"));
 * await fake.close();
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGateway } from "./gateway.js";
import { DM_CHANNEL_TYPE, guildCreatePayload, memberPayload, parseMentionTokens, THREAD_TYPES, userPayload } from "./payloads.js";
import type { WindowLimit } from "./rate-limit.js";
import { createRestHandler, type RestControl } from "./rest.js";
import { waitFor } from "../../support/wait.js";
import { DiscordState, type StoredInteraction } from "./state.js";
import type {
  BotMessageRecord,
  CommandPutRecord,
  EmitAutocompleteInput,
  EmitButtonInput,
  EmitCommandInput,
  EmitMessageInput,
  FakeChannelInput,
  FakeGuildInput,
  FakeUser,
  GatewayConnectionRecord,
  InteractionRecord,
  RequestRecord,
  GatewayOutage,
  RestOverride,
} from "./types.js";

export type * from "./types.js";
export type { WindowLimit } from "./rate-limit.js";

export interface FakeDiscordOptions {
  /** Bot token the fake accepts (`Authorization: Bot <token>`, IDENTIFY, RESUME). */
  token?: string;
  /** Also the bot user's id. */
  applicationId?: string;
  heartbeatIntervalMs?: number;
  /** Per REST bucket (route + major parameter), announced in X-RateLimit headers. Default 50 per second. */
  bucketLimit?: WindowLimit;
  /** Discord's per-channel message limit (creates and edits), answered with 429; off by default. */
  channelMessageLimit?: WindowLimit;
}

export interface FakeDiscord {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** REST base for discord.js `rest.api`: http://127.0.0.1:PORT/api */
  readonly apiRoot: string;
  /** ws://127.0.0.1:PORT/gateway, what `GET /gateway/bot` returns. */
  readonly gatewayUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: FakeUser;
  addGuild(guild: FakeGuildInput): void;
  /** Adds a channel or thread to a known guild and announces it (CHANNEL_CREATE / THREAD_CREATE). */
  addChannel(guildId: string, channel: FakeChannelInput): void;
  /** Sends MESSAGE_CREATE; returns the message id. */
  emitMessage(input: EmitMessageInput): string;
  /** Sends INTERACTION_CREATE type 2 (chat input command); returns the interaction id. */
  emitCommand(input: EmitCommandInput): string;
  /** Sends INTERACTION_CREATE type 4 (autocomplete); returns the interaction id. */
  emitAutocomplete(input: EmitAutocompleteInput): string;
  /** Sends INTERACTION_CREATE type 3 (button press); returns the interaction id. */
  emitButton(input: EmitButtonInput): string;
  /** Closes the gateway socket with a resumable code (default 4000); `replay` delivered events are resent on RESUME. */
  dropConnection(options?: { code?: number; replay?: number }): void;
  /** Sends a non-resumable INVALID_SESSION; the client must IDENTIFY again. */
  invalidateSession(): void;
  /** Sends any gateway dispatch, however malformed (a peer's odd payload); returns nothing to wait on. */
  emitRaw(t: string, d: unknown): void;
  /** New gateway connections meet this outage (recorded with `outage`) until called with undefined. */
  gatewayOutage(outage: GatewayOutage | undefined): void;
  /** Answers IDENTIFY by closing with `code` (4004 token refused, 4014 disallowed intents); undefined to stop. */
  closeOnIdentify(code: number | undefined): void;
  /** Leaves REST requests unanswered (a hung proxy) until called with false. */
  stallRest(stall?: boolean): void;
  /**
   * Answers matching REST requests with exactly this status, body and headers, before any route,
   * auth or rate limit: a proxy or emulator speaking Discord's API badly. Returns a remover.
   */
  answerWith(override: RestOverride): () => void;
  /** Every message the bot created, edited or deleted, in order. */
  readonly messages: BotMessageRecord[];
  /** URL paths of attachments downloaded, in order. */
  readonly attachmentDownloads: string[];
  /** Interactions the fake emitted, by id, with their callback and follow-ups. */
  readonly interactionCallbacks: Map<string, InteractionRecord>;
  /** Every bulk overwrite of application commands. */
  readonly commandPuts: CommandPutRecord[];
  /** Commands currently registered for a scope ("global" or a guild id). */
  registeredCommands(scope?: string): any[];
  /** Number of 429 answers given. */
  readonly count429: number;
  /** Every REST request, with `performance.now()` arrival time. */
  readonly requests: RequestRecord[];
  readonly gatewayConnections: GatewayConnectionRecord[];
  /** Every IDENTIFY: intents, `[shard_id, num_shards]`, `performance.now()` arrival. */
  readonly identifies: { intents: number; shard: [number, number]; at: number }[];
  readonly resumes: number;
  readonly heartbeats: number;
  /** Sockets currently open and identified or resumed. */
  readonly liveConnections: number;
  /** Resolves with the predicate's first value other than undefined/null/false, re-checked on every change of the fake; rejects after `timeoutMs` (10 s). */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const state = new DiscordState(
    options.token ?? "ZmFrZS1ib3Q.fake-discord.token-for-tests-only-0123456789",
    options.applicationId ?? "1100000000000000001",
  );
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const gateway = new FakeGateway(state, { heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250, baseUrl: `ws://127.0.0.1:${port}` });
  const control: RestControl = { overrides: [], stalled: false };
  const handleRest = createRestHandler(state, {
    gatewayUrl: gateway.gatewayUrl,
    bucketLimit: options.bucketLimit ?? { limit: 50, windowMs: 1000 },
    channelMessageLimit: options.channelMessageLimit,
    control,
  });

  /** Files users attached, by URL path (`/attachments/<channel>/<id>/<name>`), as Discord's CDN serves them. */
  const attachmentFiles = new Map<string, Buffer>();
  const attachmentDownloads: string[] = [];
  server.on("request", (req, res) => {
    const parsed = new URL(req.url ?? "/", url);
    const file = req.method === "GET" ? attachmentFiles.get(parsed.pathname) : undefined;
    if (file) {
      attachmentDownloads.push(parsed.pathname);
      state.changed();
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": file.length }).end(file);
      return;
    }
    if (!parsed.pathname.startsWith("/api/v10/")) {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ code: 0, message: "404: Not Found" }));
      return;
    }
    handleRest(req, res, parsed.pathname.slice("/api/v10".length), parsed.searchParams).catch((error) => {
      res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ code: 0, message: String(error) }));
    });
  });
  server.on("upgrade", (req, socket, head) => {
    const parsed = new URL(req.url ?? "/", url);
    if (parsed.pathname !== "/gateway" && parsed.pathname !== "/resume") return void socket.destroy();
    if (gateway.outage === "refuse") {
      gateway.connections.push({ path: parsed.pathname, query: Object.fromEntries(parsed.searchParams), outage: "refuse" });
      socket.destroy();
      state.changed();
      return;
    }
    gateway.handleUpgrade(req, socket, head, parsed.pathname, parsed.searchParams);
  });

  const userFor = (user: FakeUser) => {
    state.rememberUser(user);
    return userPayload(user);
  };

  const channelFacts = (channelId: string, guildId: string | undefined, user: FakeUser) => {
    if (!guildId) return state.ensureDmChannel(channelId, user);
    const channel = state.channels.get(channelId);
    if (!channel || channel.guildId !== guildId) throw new Error(`fake discord: channel ${channelId} is not in guild ${guildId}`);
    return channel;
  };

  const emitInteraction = (type: number, input: { user: FakeUser; channel_id: string; guild_id?: string }, data: Record<string, unknown>, extra: Record<string, unknown> = {}): string => {
    const channel = channelFacts(input.channel_id, input.guild_id, input.user);
    const id = state.nextId();
    const token = `aW50ZXJhY3Rpb24.${id}.${Math.random().toString(36).slice(2)}`;
    const payload: Record<string, any> = {
      id,
      application_id: state.applicationId,
      type,
      token,
      version: 1,
      data,
      channel_id: input.channel_id,
      channel: channel.payload,
      locale: "en-US",
      app_permissions: "2248473465835073",
      entitlements: [],
      attachment_size_limit: 26_214_400,
      ...(input.guild_id
        ? { guild_id: input.guild_id, guild_locale: "en-US", member: memberPayload(input.user), authorizing_integration_owners: { "0": input.guild_id }, context: 0 }
        : { user: userFor(input.user), authorizing_integration_owners: { "0": "0" }, context: 1 }),
      ...extra,
    };
    if (input.guild_id) state.rememberUser(input.user);
    const record: StoredInteraction = { id, token, type, channel_id: input.channel_id, guild_id: input.guild_id, emittedAt: Date.now(), followUps: [], payload };
    state.interactions.set(id, record);
    state.dispatch("INTERACTION_CREATE", payload);
    state.changed();
    return id;
  };

  const commandData = (input: EmitCommandInput, focused?: string) => {
    const scope = input.guild_id && state.commands.get(input.guild_id)?.some((c) => c.name === input.name) ? input.guild_id : "global";
    const registered = state.commands.get(scope)?.find((c) => c.name === input.name);
    const values = { ...input.options };
    if (focused !== undefined && values[focused] === undefined) values[focused] = "";
    return {
      id: registered?.id ?? state.nextId(),
      name: input.name,
      type: 1,
      ...(scope !== "global" ? { guild_id: scope } : {}),
      options: Object.entries(values).map(([name, value]) => ({ name, type: 3, value, ...(name === focused ? { focused: true } : {}) })),
    };
  };

  const fake: FakeDiscord = {
    url,
    apiRoot: `${url}/api`,
    gatewayUrl: gateway.gatewayUrl,
    token: state.token,
    applicationId: state.applicationId,
    botUser: state.botUser,
    addGuild(guild) {
      const shape = { id: guild.id, name: guild.name ?? `guild-${guild.id}`, channels: [...guild.channels], botRoleId: guild.botRoleId };
      state.addGuild(shape);
      gateway.dispatch("GUILD_CREATE", guildCreatePayload(shape, state.botUser, state.ownerUser.id));
      state.changed();
    },
    addChannel(guildId, channel) {
      state.addChannel(guildId, channel);
      const payload = state.channels.get(channel.id)!.payload;
      gateway.dispatch(THREAD_TYPES.has(channel.type) ? "THREAD_CREATE" : "CHANNEL_CREATE", THREAD_TYPES.has(channel.type) ? { ...payload, newly_created: true } : payload);
      state.changed();
    },
    emitMessage(input) {
      const channel = channelFacts(input.channel_id, input.guild_id, input.author);
      const id = input.id ?? state.nextId();
      const tokens = parseMentionTokens(input.content);
      const mentioned = new Map<string, FakeUser>();
      for (const userId of tokens.userIds) {
        const user = state.users.get(userId);
        if (user) mentioned.set(userId, user);
      }
      for (const user of input.mentions ?? []) mentioned.set(user.id, user);
      const referenced = input.replyTo ? state.storedMessages.get(input.replyTo) : undefined;
      if (input.replyTo && !referenced) throw new Error(`fake discord: unknown message ${input.replyTo} to reply to`);
      const message: Record<string, any> = {
        id,
        channel_id: input.channel_id,
        channel_type: channel.payload.type ?? DM_CHANNEL_TYPE,
        ...(input.guild_id ? { guild_id: input.guild_id, member: memberPayload(input.author) } : {}),
        author: userFor(input.author),
        content: input.content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: /@(everyone|here)/.test(input.content),
        mentions: [...mentioned.values()].map((u) => ({ ...userPayload(u), ...(input.guild_id ? { member: memberPayload(u) } : {}) })),
        mention_roles: [...new Set([...tokens.roleIds, ...(input.mention_roles ?? [])])],
        attachments: (input.attachments ?? []).map((attachment) => {
          const attachmentId = state.nextId();
          const path = `/attachments/${input.channel_id}/${attachmentId}/${encodeURIComponent(attachment.filename)}`;
          attachmentFiles.set(path, attachment.content);
          return {
            id: attachmentId,
            filename: attachment.filename,
            size: attachment.content.length,
            url: `${url}${path}?ex=0&is=0&hm=fake`,
            proxy_url: `${url}${path}`,
            ...(attachment.content_type ? { content_type: attachment.content_type } : {}),
          };
        }),
        embeds: [],
        components: [],
        pinned: false,
        type: input.type ?? (referenced ? 19 : 0),
        flags: 0,
        ...(referenced
          ? { message_reference: { type: 0, message_id: referenced.id, channel_id: input.channel_id, ...(input.guild_id ? { guild_id: input.guild_id } : {}) }, referenced_message: referenced }
          : {}),
      };
      state.storedMessages.set(id, message);
      if (!input.offline) state.dispatch("MESSAGE_CREATE", message);
      state.changed();
      return id;
    },
    emitCommand(input) {
      return emitInteraction(2, input, commandData(input));
    },
    emitAutocomplete(input) {
      return emitInteraction(4, input, commandData(input, input.focused));
    },
    emitButton(input) {
      const message = state.storedMessages.get(input.message_id);
      if (!message) throw new Error(`fake discord: unknown message ${input.message_id}`);
      return emitInteraction(3, input, { custom_id: input.custom_id, component_type: 2 }, { message });
    },
    dropConnection({ code = 4000, replay = 0 } = {}) {
      gateway.dropConnections(code, replay);
    },
    invalidateSession() {
      gateway.invalidateSessions();
    },
    emitRaw(t, d) {
      gateway.dispatch(t, d);
      state.changed();
    },
    gatewayOutage(outage) {
      gateway.outage = outage;
    },
    closeOnIdentify(code) {
      gateway.identifyCloseCode = code;
    },
    stallRest(stall = true) {
      control.stalled = stall;
    },
    answerWith(override) {
      const entry = { ...override };
      control.overrides.push(entry);
      return () => {
        const at = control.overrides.indexOf(entry);
        if (at >= 0) control.overrides.splice(at, 1);
      };
    },
    messages: state.messages,
    attachmentDownloads,
    interactionCallbacks: state.interactions,
    commandPuts: state.commandPuts,
    registeredCommands(scope = "global") {
      return state.commands.get(scope) ?? [];
    },
    get count429() {
      return state.count429;
    },
    requests: state.requests,
    gatewayConnections: gateway.connections,
    identifies: gateway.identifies,
    get resumes() {
      return gateway.resumes;
    },
    get heartbeats() {
      return gateway.heartbeats;
    },
    get liveConnections() {
      return gateway.liveConnections;
    },
    waitFor(predicate, timeoutMs) {
      return waitFor(predicate, { changes: state.events, timeoutMs, what: "a change at the fake Discord" });
    },
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  return fake;
}
