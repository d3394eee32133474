/**
 * Fixtures every suite shares: realistic test credentials and the auth store they live in.
 * No vitest import: bench/ uses these too.
 */
import fs from "node:fs";
import path from "node:path";

/** Anthropic API keys of the shape the Console issues; they only ever reach loopback fakes. */
export const KEY_A = `sk-ant-api03-${"a".repeat(80)}AAAA`;
export const KEY_B = `sk-ant-api03-${"b".repeat(80)}BBBB`;
export const KEY_C = `sk-ant-api03-${"c".repeat(80)}CCCC`;

/** Two api_key profiles in this order: `anthropic:a` (KEY_A) and `anthropic:b` (KEY_B). */
export function defaultProfiles(): Record<string, unknown> {
  return {
    "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A },
    "anthropic:b": { type: "api_key", provider: "anthropic", key: KEY_B },
  };
}

/**
 * Writes an `auth-profiles.json` (0600, its directory 0700) as `baton onboard` would:
 * `profiles`, empty `order` and `usageStats`, then `extra` over them.
 */
export function writeAuthStore(file: string, profiles: Record<string, unknown>, extra: Record<string, unknown> = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify({ version: 1, profiles, order: {}, usageStats: {}, ...extra }, null, 2)}\n`, { mode: 0o600 });
}
