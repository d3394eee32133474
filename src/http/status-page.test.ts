import { describe, expect, it } from "vitest";
import { renderStatusPage, type StatusView } from "./status-page.js";

const NOW = Date.parse("2026-12-05T04:00:00Z");
const EVIL = `</td><script>alert("x")</script><img src=x onerror=alert(1)>&amp;`;

function view(change: Partial<StatusView> = {}): StatusView {
  return {
    now: NOW,
    startedAt: NOW - 3_723_000,
    ready: true,
    channels: [{ channel: "chat", state: "up", ready: true, sinceSeconds: 60, failures: 0 }],
    providers: [{ agent: "main", provider: "anthropic", state: "usable", ready: true, profile: "anthropic:a" }],
    agents: [{ id: "main", primary: "anthropic/claude-opus-4-5", fallbacks: ["anthropic/claude-sonnet-4-5"], storedSessions: 12 }],
    profiles: [
      { agent: "main", id: "anthropic:a", provider: "anthropic", type: "api_key", secret: "sk-ant-a…AAAA", status: "usable", usable: true },
      { agent: "main", id: "anthropic:b", provider: "anthropic", type: "api_key", secret: "sk-ant-a…BBBB", status: "cooldown (rate_limit) 42s on claude-opus-4-5", usable: false },
    ],
    cooldowns: [{ agent: "main", profileId: "anthropic:b", kind: "cooldown", reason: "rate_limit", model: "claude-opus-4-5", remainingMs: 42_000 }],
    sessions: { sinceStart: 1, turns: 3, recent: [{ agent: "main", sessionKey: "chat:dm:1", sender: "chat:1", model: "anthropic/claude-opus-4-5", outcome: "ok", at: NOW - 5000, turns: 3 }] },
    failovers: [{ at: NOW - 10_000, agent: "main", fromProfile: "anthropic:b", toProfile: "anthropic:a", model: "claude-opus-4-5" }],
    usage: { sinceStart: [{ agent: "main", model: "anthropic/claude-opus-4-5", turns: 3, inputTokens: 1200, outputTokens: 345, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.014625 }] },
    ...change,
  };
}

describe("renderStatusPage", () => {
  it("is a whole page for phones that refreshes itself, with each section", () => {
    const html = renderStatusPage(view());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta http-equiv="refresh" content="10">');
    expect(html).not.toContain("<script");
    for (const title of ["Channels", "Providers", "Agents", "Profiles", "Cooldowns and blocks", "Sessions", "Recent failovers", "Usage"]) expect(html).toContain(`<h2>${title}</h2>`);
    expect(html).toContain('id="profiles-table"');
    expect(html).toContain("sk-ant-a…BBBB");
    expect(html).toContain("42s");
    expect(html).toContain("Up 1h 2m");
    expect(html).toContain("$0.0146");
    expect(html).toContain('<span class="badge ok" id="readiness">ready</span>');
  });

  it("escapes every value that comes from outside", () => {
    const html = renderStatusPage(
      view({
        channels: [{ channel: EVIL, state: "retrying", ready: false, sinceSeconds: 1, failures: 3, lastError: EVIL }],
        sessions: { sinceStart: 1, turns: 1, recent: [{ agent: EVIL, sessionKey: EVIL, sender: EVIL, model: EVIL, outcome: "error", at: NOW, turns: 1 }] },
        failovers: [{ at: NOW, agent: EVIL, fromProfile: EVIL, toProfile: EVIL, model: EVIL }],
        profiles: [{ agent: "main", id: EVIL, provider: EVIL, type: EVIL, secret: EVIL, status: EVIL, usable: false }],
        cooldowns: [{ agent: EVIL, profileId: EVIL, kind: EVIL, reason: EVIL, model: EVIL, remainingMs: null, lastError: EVIL }],
        usage: { sinceStart: [{ agent: EVIL, model: EVIL, turns: 1, inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 }], today: [] },
        ready: false,
      }),
    );
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("</td><script");
    expect(html.split("&lt;/td&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;").length - 1).toBeGreaterThanOrEqual(15);
    expect(html).toContain("unknown");
    expect(html).toContain("not ready");
  });

  it("says so when there is nothing to show", () => {
    const html = renderStatusPage(view({ channels: [], profiles: [], cooldowns: [], failovers: [], sessions: { sinceStart: 0, turns: 0, recent: [] }, usage: { sinceStart: [] } }));
    expect(html).toContain("No channel runs.");
    expect(html).toContain("No profile stored.");
    expect(html).toContain("No profile is blocked.");
    expect(html).toContain("No failover since start.");
    expect(html).toContain("No usage yet.");
    expect(html).not.toContain("Today (UTC)");
  });
});
