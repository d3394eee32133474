import { describe, expect, it } from "vitest";
import { GatewayMetrics } from "./metrics.js";

const line = (text: string, prefix: string) => text.split("\n").find((l) => l.startsWith(prefix));

describe("GatewayMetrics", () => {
  it("each instance has its own registry; events become counters, sources gauges", async () => {
    const one = new GatewayMetrics({ processMetrics: false });
    const two = new GatewayMetrics({ processMetrics: false });
    one.record({ type: "provider_request", agentId: "main", provider: "anthropic", profileId: "anthropic:a", model: "claude-opus-4-5", result: "auth", durationMs: 5 });
    one.record({ type: "turn", agentId: "main", sessionKey: "s", model: "anthropic/claude-opus-4-5", profileId: "anthropic:a", outcome: "ok", durationMs: 1500, usage: { inputTokens: 10, outputTokens: 0, cacheReadTokens: 4, cacheWriteTokens: 0 } });
    one.countMessage("chat", "in");
    one.setSources({
      channels: () => [{ channel: "chat", state: "retrying", since: 0, failures: 1 }],
      profiles: async () => [{ agent: "main", profile: "anthropic:a", usable: false, cooldownSeconds: 12.5 }],
    });
    const text = (await one.render()).body;
    expect(line(text, "baton_provider_requests_total{")).toBe('baton_provider_requests_total{provider="anthropic",profile="anthropic:a",model="claude-opus-4-5",result="auth"} 1');
    expect(line(text, "baton_turn_duration_seconds_bucket{le=\"2\"}")).toBe('baton_turn_duration_seconds_bucket{le="2"} 1');
    expect(text).toContain('baton_tokens_total{agent="main",model="anthropic/claude-opus-4-5",profile="anthropic:a",type="input"} 10');
    expect(text).toContain('type="cache_read"} 4');
    expect(text).not.toContain('type="output"');
    expect(text).toContain('baton_channel_up{channel="chat"} 0');
    expect(text).toContain('baton_auth_profile_usable{agent="main",profile="anthropic:a"} 0');
    expect(text).toContain('baton_auth_profile_cooldown_seconds{agent="main",profile="anthropic:a"} 12.5');
    expect(text).not.toContain("baton_auth_profile_expires_in_seconds{");
    expect(text).toContain('baton_messages_total{channel="chat",direction="in"} 1');
    expect(text).not.toContain("process_cpu");
    expect((await two.render()).body).not.toContain("baton_provider_requests_total{");
  });

  it("a profile gone since the last scrape disappears; the store is read once per scrape", async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    let reads = 0;
    let profiles = [{ agent: "main", profile: "p1", usable: true, cooldownSeconds: 0, expiresInSeconds: 60 }];
    metrics.setSources({ channels: () => [], profiles: async () => (reads++, profiles) });
    expect((await metrics.render()).body).toContain('baton_auth_profile_expires_in_seconds{agent="main",profile="p1"} 60');
    expect(reads).toBe(1);
    profiles = [];
    expect((await metrics.render()).body).not.toContain('profile="p1"');
    expect(reads).toBe(2);
  });
});
