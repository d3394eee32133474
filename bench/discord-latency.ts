/**
 * Discord plugin latency: time from the fake Discord emitting MESSAGE_CREATE to the first
 * outbound REST call the plugin makes for it (the reply POST), with a core stand-in that
 * answers at once. Real discord.js, real sockets, all on 127.0.0.1.
 *
 * Run: npx tsx bench/discord-latency.ts [messages]
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { createDiscordPlugin } from "../plugins/discord/index.js";
import { createHarness } from "../plugins/discord/test-harness.js";
import { startFakeDiscord } from "../test/fakes/discord/index.js";

const MESSAGES = Number(process.argv[2] ?? 200);
const WARMUP = 10;
/** Spread over enough channels that the per-channel limiter (5 writes per 5.5 s) never waits. */
const CHANNELS = Math.ceil((MESSAGES + WARMUP) / 4);
const GUILD = "300000000000000001";
const channelId = (i: number) => String(300000000000001000n + BigInt(i % CHANNELS));
const alice = { id: "200000000000000001", username: "alice" };
/**
 * discord.js holds every bot to Discord's global 50 requests per second; emitting faster
 * would measure that queue, not the plugin. 40 messages per second stays under it.
 */
const EMIT_INTERVAL_MS = 25;

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

async function main(): Promise<void> {
  const fake = await startFakeDiscord({ bucketLimit: { limit: 10_000, windowMs: 1000 } });
  fake.addGuild({ id: GUILD, channels: Array.from({ length: CHANNELS }, (_, i) => ({ id: channelId(i), name: `c${i}`, type: 0 })) });
  const plugin = createDiscordPlugin({ accountId: "default" });
  const harness = createHarness({
    config: { token: fake.token, apiRoot: fake.apiRoot, commands: { native: false } },
    handle: async (message) => {
      await plugin.send({ chatId: message.chatId, replyToMessageId: message.messageId }, { text: "ok", plainText: "ok" });
    },
  });
  await plugin.start(harness.ctx);

  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < MESSAGES + WARMUP; i++) {
    const channel = channelId(i);
    const prefix = `/channels/${channel}/`;
    const due = start + i * EMIT_INTERVAL_MS;
    if (performance.now() < due) await sleep(due - performance.now());
    const emittedAt = performance.now();
    fake.emitMessage({ channel_id: channel, guild_id: GUILD, author: alice, content: `message ${i}` });
    const first = await fake.waitFor(() => fake.requests.find((r) => r.at >= emittedAt && r.path.startsWith(prefix)), 10_000);
    await fake.waitFor(() => fake.messages.some((m) => m.channel_id === channel && m.at >= performance.timeOrigin + emittedAt));
    if (i >= WARMUP) latencies.push(first.at - emittedAt);
  }

  await plugin.stop();
  await fake.close();
  harness.cleanup();

  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  console.log(
    `discord plugin: MESSAGE_CREATE -> first outbound REST call, ${latencies.length} messages at ${1000 / EMIT_INTERVAL_MS}/s (${WARMUP} warm-up not counted)`,
  );
  console.log(`  median ${percentile(sorted, 50).toFixed(2)} ms   p90 ${percentile(sorted, 90).toFixed(2)} ms   mean ${mean.toFixed(2)} ms   max ${sorted.at(-1)!.toFixed(2)} ms`);
  console.log(`  429s from the fake: ${fake.count429}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
