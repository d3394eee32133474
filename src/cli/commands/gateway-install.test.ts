import { describe, expect, it } from "vitest";
import { systemdUnit } from "./gateway-install.js";

describe("systemdUnit", () => {
  const unit = systemdUnit({ node: "/usr/bin/node", bin: "/opt/baton/bin/baton", stateDir: "/home/u/.baton" });

  it("is a user unit: started by default.target, no system-only network-online.target", () => {
    expect(unit).not.toContain("network-online");
    expect(unit).toMatch(/\[Install\]\nWantedBy=default\.target\n/);
    expect(unit).not.toMatch(/^(After|Wants|Requires)=/m);
  });

  it("pins the state dir and runs the gateway, with --config only when one was named", () => {
    expect(unit).toContain("Environment=BATON_STATE_DIR=/home/u/.baton\n");
    expect(unit).toContain("ExecStart=/usr/bin/node /opt/baton/bin/baton gateway\n");
    expect(systemdUnit({ node: "/n", bin: "/b", stateDir: "/s", configPath: "/etc/baton.json5" })).toContain("ExecStart=/n /b gateway --config /etc/baton.json5\n");
  });
});
