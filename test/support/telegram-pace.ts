/**
 * Telegram's flood limits ten times faster (a chat gets a message per 100 ms, not per second),
 * for the plugin's limiter and the fake's flood control alike: tests exercise the pacing without
 * waiting for it. 429 answers still say `retry_after` in whole seconds, as Telegram's do.
 * Benchmarks use the real limits.
 */
import { TELEGRAM_OUTBOUND_LIMITS, type OutboundLimits } from "../../plugins/telegram/index.js";
import { TELEGRAM_FLOOD_LIMITS, type FloodLimits } from "../fakes/telegram/index.js";

/** Every interval of a set of rate limits divided by `factor`: the same shape, `factor` times faster. */
function faster<Limits extends { [Scope in keyof Limits]: { intervalMs: number } | false }>(limits: Limits, factor: number): Limits {
  const entries = Object.entries(limits) as [string, { intervalMs: number } | false][];
  return Object.fromEntries(entries.map(([scope, limit]) => [scope, limit && { ...limit, intervalMs: limit.intervalMs / factor }])) as Limits;
}

export const TEST_PACE: { plugin: OutboundLimits; fake: FloodLimits } = {
  plugin: faster(TELEGRAM_OUTBOUND_LIMITS, 10),
  fake: faster(TELEGRAM_FLOOD_LIMITS, 10),
};
