/**
 * Turn fairness (DESIGN.md §7): 8 Telegram chats each receive a 20-part reply while a 9th chat
 * sends "hello". The full gateway (router, runtime, real Telegram plugin on grammY) runs against
 * the fake Bot API at Telegram's real flood limits and the fake Anthropic.
 *
 *   npx tsx bench/fairness.ts
 *
 * Prints the 9th chat's time to reply (target: under 3 s) and the 429s received (target: 0).
 */
import { startFakeAnthropic } from "../test/fakes/anthropic/index.js";
import { startStack } from "../test/e2e/telegram-helpers.js";

const BUSY_CHATS = 8;
const PARTS = 20;
/** One Telegram message each: a paragraph just under the 4096 limit. */
const LONG_REPLY = Array.from({ length: PARTS }, (_, i) => `Part ${i + 1}. ${"lorem ipsum ".repeat(330)}`).join("\n\n");

async function main(): Promise<void> {
  const anthropic = await startFakeAnthropic();
  const users = Array.from({ length: BUSY_CHATS + 1 }, (_, i) => ({ id: 7_000_001 + i, first_name: `User${i + 1}` }));
  const stack = await startStack(anthropic, {
    pace: "telegram",
    // room for the whole reply: the fake stops at max_tokens like the real API
    config: { agents: { defaults: { maxTokens: 64_000 } }, messages: { maxParts: PARTS }, channels: { telegram: { allowFrom: users.map((u) => String(u.id)) } } },
  });
  try {
    const [quiet, ...busy] = [users[BUSY_CHATS], ...users.slice(0, BUSY_CHATS)];
    anthropic.setDefault({ reply: LONG_REPLY, chunks: 40 });
    for (const user of busy) stack.telegram.pushUserMessage({ from: user, text: "tell me a long story" });
    // every busy chat is receiving its reply when the quiet one speaks
    const receiving = (chatId: number) => stack.telegram.sent.some((m) => m.chat_id === chatId && m.plain_text.startsWith("Part 2."));
    await stack.telegram.waitFor(() => busy.every((u) => receiving(u.id)), 120_000, "every busy chat receiving its reply");

    anthropic.setDefault({ reply: "hello back" });
    const askedAt = performance.now();
    stack.telegram.pushUserMessage({ from: quiet, text: "hello" });
    await stack.telegram.waitForSent((m) => m.chat_id === quiet.id && m.plain_text.includes("hello back"), 60_000);
    const replySeconds = (performance.now() - askedAt) / 1000;
    const busyPartsSoFar = stack.telegram.sent.filter((m) => m.method === "sendMessage" && busy.some((u) => u.id === m.chat_id)).length;

    const allOut = () => busy.every((u) => stack.telegram.sent.some((m) => m.chat_id === u.id && m.plain_text.startsWith(`Part ${PARTS}.`)));
    // not delivered in time is reported below, not thrown
    await stack.telegram.waitFor(allOut, process.env.BENCH_DEBUG ? 15_000 : 180_000, "every long reply delivered").catch(() => undefined);
    if (process.env.BENCH_DEBUG) console.log(stack.telegram.sent.length, busy.map((u) => stack.telegram.sent.filter((m) => m.chat_id === u.id).length).join(","));

    console.log(`fairness: ${BUSY_CHATS} chats each receiving a ${PARTS}-part reply, a 9th chat says "hello" (Telegram's real flood limits)`);
    console.log(`  9th chat's time to reply   ${replySeconds.toFixed(2)} s   (target < 3 s)`);
    console.log(`  busy parts sent by then     ${busyPartsSoFar} of ${BUSY_CHATS * PARTS}`);
    console.log(`  every long reply delivered  ${allOut() ? "yes" : "NO"}`);
    console.log(`  429 answers                 ${stack.telegram.count429}   (target 0)`);
    if (process.env.BENCH_DEBUG) console.log(stack.logs.filter((l) => !l.includes(" DEBUG ")).join(""));
    if (replySeconds >= 3 || stack.telegram.count429 > 0 || !allOut()) process.exitCode = 1;
  } finally {
    await stack.stop();
    await anthropic.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
