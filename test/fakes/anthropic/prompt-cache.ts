/**
 * Prompt-cache simulation. Like Anthropic's: an entry is written at each cache_control
 * breakpoint; a breakpoint reads the longest cached prefix ending at it or up to 19 blocks
 * before it; a hit refreshes the entry's TTL. Entries are scoped per credential and model.
 */
import { createHash } from "node:crypto";
import type { CacheTtl, PromptBlock } from "./validate.js";

const TTL_MS: Record<CacheTtl, number> = { "5m": 5 * 60_000, "1h": 60 * 60_000 };
const LOOKBACK_BLOCKS = 20;

export interface CacheUsage {
  inputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  cacheCreation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface Entry {
  expiresAt: number;
  ttl: CacheTtl;
}

export class PromptCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  clear(): void {
    this.entries.clear();
  }

  /** Account a request's prompt against the cache, writing new entries, and report its usage. */
  use(scope: string, model: string, blocks: PromptBlock[]): CacheUsage {
    const now = this.now();
    const prefixKeys = prefixHashes(`${scope}\n${model}`, blocks);
    const breakpoints = blocks.flatMap((b, i) => (b.cacheTtl ? [i] : []));

    let hitEnd = -1;
    for (const bp of breakpoints) {
      for (let p = bp; p >= Math.max(0, bp - LOOKBACK_BLOCKS + 1); p--) {
        const entry = this.entries.get(prefixKeys[p]);
        if (entry && entry.expiresAt > now) {
          entry.expiresAt = now + TTL_MS[entry.ttl];
          hitEnd = Math.max(hitEnd, p);
          break;
        }
      }
    }

    const creation = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
    let segmentStart = hitEnd + 1;
    for (const bp of breakpoints) {
      if (bp <= hitEnd) continue;
      const ttl = blocks[bp].cacheTtl!;
      this.entries.set(prefixKeys[bp], { expiresAt: now + TTL_MS[ttl], ttl });
      const tokens = sumTokens(blocks, segmentStart, bp);
      if (ttl === "1h") creation.ephemeral_1h_input_tokens += tokens;
      else creation.ephemeral_5m_input_tokens += tokens;
      segmentStart = bp + 1;
    }

    const total = sumTokens(blocks, 0, blocks.length - 1);
    const cacheReadTokens = sumTokens(blocks, 0, hitEnd);
    const cacheCreationTokens = creation.ephemeral_5m_input_tokens + creation.ephemeral_1h_input_tokens;
    return {
      inputTokens: total - cacheReadTokens - cacheCreationTokens,
      cacheReadTokens,
      cacheCreationTokens,
      cacheCreation: creation,
    };
  }
}

function prefixHashes(seed: string, blocks: PromptBlock[]): string[] {
  let previous = createHash("sha256").update(seed).digest("hex");
  return blocks.map((block) => {
    previous = createHash("sha256").update(previous).update(block.key).digest("hex");
    return previous;
  });
}

function sumTokens(blocks: PromptBlock[], from: number, to: number): number {
  let sum = 0;
  for (let i = from; i <= to; i++) sum += blocks[i].tokens;
  return sum;
}
