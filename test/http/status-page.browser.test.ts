/**
 * The status page in a real browser: headless Chromium (Debian's package, /usr/bin/chromium;
 * `.ci/run` installs it) driven by playwright-core. Loads the page with the token, reads the
 * profiles table, checks that no secret appears anywhere in what the browser got, and saves a
 * screenshot under test-output/. Never skipped: a missing browser fails the test.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_A, KEY_B, KEY_C } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";
import { PAGE_TOKEN, startRig, useLoopbackPlugin, type Rig } from "./rig.js";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUTPUT = path.join(ROOT, "test-output");
const CHROMIUM = process.env.BATON_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let restorePluginPath: () => void;
let rig: Rig;
let browser: Browser;

beforeAll(async () => {
  restorePluginPath = useLoopbackPlugin();
  rig = await startRig({
    config: { agents: { defaults: { model: "anthropic/claude-opus-4-5" } } },
    profiles: {
      "anthropic:work": { type: "api_key", provider: "anthropic", key: KEY_A },
      "anthropic:backup": { type: "api_key", provider: "anthropic", key: KEY_B },
      "anthropic:subscription": { type: "token", provider: "anthropic", token: KEY_C, expires: Date.now() + 5 * 3_600_000 },
    },
    store: { order: { anthropic: ["anthropic:work", "anthropic:backup", "anthropic:subscription"] } },
  });
  await waitFor(() => rig.gateway.channelStatus()[0]?.state === "up", { what: "loopback up" });
  rig.fake.script(KEY_A, { error: { status: 429, type: "rate_limit_error", message: "rate limited" }, retryAfterSeconds: 300, times: 3 });
  await rig.say("What is the capital of France?", "ada");
  await rig.say("<b>hostile</b> & \"quoted\"", `<script>alert("sender")</script>`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await rig?.close();
  restorePluginPath();
});

describe("the status page in Chromium", () => {
  it("shows the profiles table with masked secrets, the cooldown and the failover; no secret anywhere; saves a screenshot", async () => {
    const context = await browser.newContext({ viewport: { width: 412, height: 915 }, deviceScaleFactor: 1 });
    try {
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const denied = await page.goto(`${rig.surface.url}/`);
      expect(denied?.status()).toBe(401);

      const response = await page.goto(`${rig.surface.url}/?token=${encodeURIComponent(PAGE_TOKEN)}`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe("Baton status");

      const rows = await page.locator("#profiles-table tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
      const byId = Object.fromEntries(rows.map((cells) => [cells[1], cells]));
      expect(Object.keys(byId).sort()).toEqual(["anthropic:backup", "anthropic:subscription", "anthropic:work"]);
      expect(byId["anthropic:work"]).toEqual(["main", "anthropic:work", "api_key", "sk-ant-a…AAAA", expect.stringMatching(/^cooldown \(rate_limit\) [45]m/)]);
      expect(byId["anthropic:backup"]).toEqual(["main", "anthropic:backup", "api_key", "sk-ant-a…BBBB", "usable"]);
      expect(byId["anthropic:subscription"]).toEqual(["main", "anthropic:subscription", "token", "sk-ant-a…CCCC", expect.stringMatching(/^expiring in [45]h/)]);

      const body = await page.locator("body").innerText();
      expect(body).toContain("anthropic:work → anthropic:backup");
      expect(body).toContain('<script>alert("sender")</script>');
      expect(dialogs).toEqual([]);
      const html = await page.content();
      for (const key of [KEY_A, KEY_B, KEY_C]) {
        expect(html).not.toContain(key);
        expect(html).not.toContain(key.slice(8, -4));
      }
      expect(await page.locator('meta[http-equiv="refresh"]').getAttribute("content")).toBe("10");
      // a phone-width page: nothing wider than the screen except inside the scrolling table wrappers
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(412);

      fs.mkdirSync(OUTPUT, { recursive: true });
      const shot = path.join(OUTPUT, "status-page.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await context.close();
    }
  });
});
