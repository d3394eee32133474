/**
 * Outbound throughput of the Telegram plugin against the fake Bot API enforcing
 * Telegram's flood limits: 600 replies across 60 private chats, all queued at once.
 *
 *   npx tsx bench/telegram-delivery.ts
 *
 * Prints messages/s as a fraction of what the fake allows, and the 429s received.
 * Target: >= 90 % of the limit, no 429.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTelegramPlugin } from "../plugins/telegram/index.js";
import { createHarness } from "../plugins/telegram/test-harness.js";
import { startFakeTelegram, TELEGRAM_FLOOD_LIMITS, type RateLimit } from "../test/fakes/telegram/index.js";

const CHATS = 60;
const PER_CHAT = 10;
const TOTAL = CHATS * PER_CHAT;

const perSecond = (limit: RateLimit) => (limit.limit * 1000) / limit.intervalMs;

/** Shortest time the fake's buckets allow for `count` messages: the burst goes at once, the rest at the rate. */
const minSeconds = (limit: RateLimit, count: number) => Math.max(0, count - (limit.burst ?? limit.limit)) / perSecond(limit);

async function main(): Promise<void> {
  const limits = TELEGRAM_FLOOD_LIMITS;
  if (!limits.perChat || !limits.global) throw new Error("bench expects per-chat and global limits");
  const tg = await startFakeTelegram({ limits });
  const stateDir = await mkdtemp(join(tmpdir(), "baton-bench-telegram-"));
  const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url, commands: { menu: false } }, stateDir });
  const plugin = createTelegramPlugin({ accountId: "bench" });
  await plugin.start(harness.ctx);

  const chatIds = Array.from({ length: CHATS }, (_, n) => 500_000 + n);
  for (const id of chatIds) tg.addChat({ id });

  const started = performance.now();
  await Promise.all(
    chatIds.flatMap((chatId) =>
      Array.from({ length: PER_CHAT }, (_, n) =>
        plugin.send({ chatId: String(chatId) }, { text: `reply <b>${n}</b> to ${chatId}`, plainText: `reply ${n} to ${chatId}` }),
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;

  const delivered = tg.sent.length;
  const inOrder = chatIds.every((chatId) => {
    const texts = tg.sent.filter((m) => m.chat_id === chatId).map((m) => m.plain_text);
    return texts.length === PER_CHAT && texts.every((t, n) => t === `reply ${n} to ${chatId}`);
  });
  const sustained = Math.min(perSecond(limits.global), CHATS * perSecond(limits.perChat));
  const bestSeconds = Math.max(minSeconds(limits.global, TOTAL), minSeconds(limits.perChat, PER_CHAT));
  const rate = delivered / seconds;

  console.log(`telegram delivery: ${TOTAL} replies, ${CHATS} chats x ${PER_CHAT}, full Telegram limits (no scaling)`);
  console.log(`  fake limits        per chat ${perSecond(limits.perChat)}/s (burst ${limits.perChat.burst}), global ${perSecond(limits.global)}/s (burst ${limits.global.burst})`);
  console.log(`  delivered          ${delivered}/${TOTAL} in ${seconds.toFixed(2)} s, each chat in order: ${inOrder ? "yes" : "NO"}`);
  console.log(`  throughput         ${rate.toFixed(2)} msg/s`);
  console.log(`  vs sustained limit ${(100 * rate / sustained).toFixed(1)} % of ${sustained.toFixed(1)} msg/s`);
  console.log(`  vs burst ceiling   ${(100 * bestSeconds / seconds).toFixed(1)} % (fastest the fake allows, bursts included: ${bestSeconds.toFixed(2)} s)`);
  console.log(`  429 answers        ${tg.count429}`);

  await plugin.stop();
  await tg.close();
  await rm(stateDir, { recursive: true, force: true });
  if (delivered !== TOTAL || !inOrder) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
