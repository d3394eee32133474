import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Logger } from "../plugin-api.js";
import { maskSecret } from "./mask.js";
import { maskingLogger } from "./masking-logger.js";

function recorder() {
  const lines: string[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { log, text: () => lines.join("\n") };
}

const TOKEN = "123456789:AAFakeFakeFakeFakeFakeFakeFakeFake01";

describe("maskingLogger", () => {
  it("masks each secret in the message, field text, Error messages, nested values and URL-encoded forms", () => {
    const out = recorder();
    const log = maskingLogger(out.log).withSecrets(TOKEN);
    log.warn(`GET /bot${TOKEN}/getMe failed`, {
      url: `https://api.telegram.org/bot${encodeURIComponent(TOKEN)}/getMe`,
      error: new Error(`request to ${TOKEN} refused`),
      nested: { request: { token: TOKEN } },
      count: 3,
    });
    expect(out.text()).not.toContain(TOKEN);
    expect(out.text()).not.toContain(encodeURIComponent(TOKEN));
    expect(out.text()).toContain(maskSecret(TOKEN));
    expect(out.text()).toContain('"count":3');
  });

  it("adds secrets without losing the earlier ones, and leaves the parent logger as it was", () => {
    const out = recorder();
    const base = maskingLogger(out.log);
    const other = "sk-ant-api03-another-secret-value-0000";
    base.withSecrets(TOKEN).withSecrets(other).info(`${TOKEN} ${other}`);
    base.info("plain");
    expect(out.text()).not.toContain(TOKEN);
    expect(out.text()).not.toContain(other);
    expect(out.text()).toContain("info plain");
  });

  it("never throws, whatever the fields hold", () => {
    const log = maskingLogger({ debug() {}, info() {}, warn() {}, error: () => { throw new Error("stderr closed"); } }, [TOKEN]);
    const hostile = { get boom(): string { throw new Error("getter"); } };
    expect(() => log.error("x", { hostile, big: 10n })).not.toThrow();
  });

  it("no line ever holds the secret whole, wherever it sits in the text (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string({ minLength: 6, maxLength: 60 }).filter((s) => s.trim().length >= 6), (before, after, secret) => {
        const out = recorder();
        maskingLogger(out.log, [secret]).info(`${before}${secret}${after}`, { field: `${after}${secret}` });
        const line = out.text();
        // the masked form keeps the secret's ends; the whole secret is gone
        expect(line.split(maskSecret(secret)).join("")).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });
});
