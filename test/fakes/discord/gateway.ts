import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { guildCreatePayload } from "./payloads.js";
import type { DiscordState } from "./state.js";
import type { GatewayConnectionRecord, GatewayOutage } from "./types.js";
import { userPayload } from "./payloads.js";

const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, PresenceUpdate: 3, VoiceStateUpdate: 4, Resume: 6, Reconnect: 7, RequestGuildMembers: 8, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

/** Close codes a client sending 1000/1001 ends its session with; any other code keeps it resumable. */
const SESSION_ENDING_CLOSE_CODES = new Set([1000, 1001]);

interface DispatchPayload {
  op: 0;
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of this session, kept for RESUME replays. */
  log: DispatchPayload[];
  socket?: WebSocket;
  invalid: boolean;
  /** Already-delivered events to replay again on the next RESUME (at-least-once delivery). */
  replayExtra: number;
  /** `[shard_id, num_shards]` from the IDENTIFY ([0, 1] when none was sent). */
  shard: [number, number];
}

/** Which shard receives a guild's events: `(guild_id >> 22) % num_shards` (Discord's rule). */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** The guild an event belongs to, or undefined for DMs and other guild-less events (those go to shard 0). */
function guildOfEvent(t: string, d: unknown): string | undefined {
  const data = d as { guild_id?: unknown; id?: unknown } | null;
  if (typeof data?.guild_id === "string") return data.guild_id;
  if ((t === "GUILD_CREATE" || t === "GUILD_UPDATE" || t === "GUILD_DELETE") && typeof data?.id === "string") return data.id;
  return undefined;
}

function receives(session: Session, guildId: string | undefined): boolean {
  const [id, count] = session.shard;
  return guildId === undefined ? id === 0 : shardOfGuild(guildId, count) === id;
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  /** ws://host:port, without path. */
  baseUrl: string;
}

/** The gateway WebSocket: HELLO, IDENTIFY/READY, heartbeats, sequence numbers, RESUME with replay, INVALID_SESSION. */
export class FakeGateway {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  readonly connections: GatewayConnectionRecord[] = [];
  /** Intents and shard of every IDENTIFY received, with `performance.now()` arrival. */
  readonly identifies: { intents: number; shard: [number, number]; at: number }[] = [];
  resumes = 0;
  heartbeats = 0;
  /** `silent`: new sockets open and hear nothing, not even HELLO (`refuse` is handled before the upgrade). */
  outage: GatewayOutage | undefined;
  /** When set, an IDENTIFY is answered by closing the socket with this code (4004 bad token, 4014 disallowed intents). */
  identifyCloseCode: number | undefined;

  constructor(
    private readonly state: DiscordState,
    private readonly options: GatewayOptions,
  ) {
    state.dispatch = (t, d) => this.dispatch(t, d);
  }

  get gatewayUrl(): string {
    return `${this.options.baseUrl}/gateway`;
  }

  get resumeUrl(): string {
    return `${this.options.baseUrl}/resume`;
  }

  /** Number of sessions that are connected and identified or resumed. */
  get liveConnections(): number {
    let live = 0;
    for (const session of this.#sessions.values()) if (!session.invalid && session.socket?.readyState === WebSocket.OPEN) live += 1;
    return live;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, query: URLSearchParams): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, path, Object.fromEntries(query)));
  }

  /** Sends an event to every session of the shard it belongs to (guild events by guild id, the rest to shard 0). */
  dispatch(t: string, d: unknown): void {
    const guildId = guildOfEvent(t, d);
    for (const session of this.#sessions.values()) {
      if (session.invalid || !receives(session, guildId)) continue;
      const payload: DispatchPayload = { op: Op.Dispatch, s: ++session.seq, t, d };
      session.log.push(payload);
      if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify(payload));
    }
  }

  /** Closes every live socket with a resumable code; `replay` already-delivered events are sent again on RESUME. */
  dropConnections(code = 4000, replay = 0): void {
    for (const session of this.#sessions.values()) {
      if (session.invalid || !session.socket) continue;
      session.replayExtra = replay;
      session.socket.close(code, "fake discord dropped the connection");
    }
  }

  /** Sends INVALID_SESSION (not resumable) to every live session, which must IDENTIFY again. */
  invalidateSessions(): void {
    for (const session of this.#sessions.values()) {
      if (session.invalid) continue;
      session.invalid = true;
      session.socket?.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
    }
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(ws: WebSocket, path: string, query: Record<string, string>): void {
    if (this.outage === "silent") {
      this.connections.push({ path, query, outage: "silent" });
      this.state.changed();
      return;
    }
    this.connections.push({ path, query });
    this.state.changed();
    if (query.v !== "10") return void ws.close(4012, "Invalid API version");
    if (query.encoding !== "json") return void ws.close(4002, "Decode error");
    if (query.compress) return void ws.close(4002, "fake discord does not compress");

    let session: Session | undefined;
    const send = (payload: unknown) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(payload));
    send({ op: Op.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } });

    ws.on("message", (raw) => {
      let payload: any;
      try {
        payload = JSON.parse(raw.toString());
      } catch {
        return void ws.close(4002, "Decode error");
      }
      switch (payload?.op) {
        case Op.Heartbeat:
          this.heartbeats += 1;
          send({ op: Op.HeartbeatAck });
          break;
        case Op.Identify:
          if (session) return void ws.close(4005, "Already authenticated");
          if (payload.d?.token !== this.state.token) return void ws.close(4004, "Authentication failed");
          if (this.identifyCloseCode !== undefined) return void ws.close(this.identifyCloseCode, "fake discord refused the IDENTIFY");
          {
            const shard = parseShard(payload.d.shard);
            if (!shard) return void ws.close(4010, "Invalid shard");
            this.identifies.push({ intents: payload.d.intents, shard, at: performance.now() });
            session = this.#identify(ws, shard);
          }
          break;
        case Op.Resume:
          if (session) return void ws.close(4005, "Already authenticated");
          session = this.#resume(ws, payload.d);
          break;
        case Op.PresenceUpdate:
        case Op.VoiceStateUpdate:
        case Op.RequestGuildMembers:
          if (!session) return void ws.close(4003, "Not authenticated");
          break;
        default:
          return void ws.close(4001, "Unknown opcode");
      }
      this.state.changed();
    });

    ws.on("close", (code) => {
      if (session && session.socket === ws) {
        session.socket = undefined;
        if (SESSION_ENDING_CLOSE_CODES.has(code)) session.invalid = true;
      }
      this.state.changed();
    });
  }

  #identify(ws: WebSocket, shard: [number, number]): Session {
    const session: Session = { id: this.state.nextId(), seq: 0, log: [], socket: ws, invalid: false, replayExtra: 0, shard };
    this.#sessions.set(session.id, session);
    const guilds = [...this.state.guilds.values()].filter((g) => receives(session, g.id));
    this.#dispatchTo(session, "READY", {
      v: 10,
      user_settings: {},
      user: { ...userPayload(this.state.botUser), verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: "normal",
      resume_gateway_url: this.resumeUrl,
      shard,
      application: { id: this.state.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
    });
    for (const guild of guilds) this.#dispatchTo(session, "GUILD_CREATE", guildCreatePayload(guild, this.state.botUser, this.state.ownerUser.id));
    return session;
  }

  #resume(ws: WebSocket, d: any): Session | undefined {
    const session = typeof d?.session_id === "string" ? this.#sessions.get(d.session_id) : undefined;
    if (!session || session.invalid || d.token !== this.state.token || typeof d.seq !== "number" || d.seq > session.seq) {
      ws.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
      return undefined;
    }
    this.resumes += 1;
    session.socket?.terminate();
    session.socket = ws;
    const from = Math.max(0, d.seq - session.replayExtra);
    session.replayExtra = 0;
    for (const payload of session.log) if (payload.s > from) ws.send(JSON.stringify(payload));
    this.#dispatchTo(session, "RESUMED", null);
    return session;
  }

  #dispatchTo(session: Session, t: string, d: unknown): void {
    const payload: DispatchPayload = { op: Op.Dispatch, s: ++session.seq, t, d };
    session.log.push(payload);
    session.socket?.send(JSON.stringify(payload));
  }
}

/** IDENTIFY's `shard`: absent is [0, 1]; else two integers with 0 <= id < count. */
function parseShard(value: unknown): [number, number] | undefined {
  if (value === undefined) return [0, 1];
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [id, count] = value;
  if (!Number.isInteger(id) || !Number.isInteger(count) || count < 1 || id < 0 || id >= count) return undefined;
  return [id, count];
}
