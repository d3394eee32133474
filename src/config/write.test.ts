import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import JSON5 from "json5";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { writeFileAtomic } from "../util/atomic-file.js";
import { updateConfigFile } from "./write.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-write-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe("writeFileAtomic", () => {
  it("replaces the file with the given mode and leaves no temp file", async () => {
    const file = path.join(dir, "x.json");
    fs.writeFileSync(file, "old", { mode: 0o644 });
    await writeFileAtomic(file, "new", 0o600);
    expect(fs.readFileSync(file, "utf8")).toBe("new");
    expect(mode(file)).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(["x.json"]);
  });

  it("writes through a symlink: the link stays a link and its target gets the new content", async () => {
    const realDir = fs.mkdtempSync(path.join(dir, "volume-"));
    const target = path.join(realDir, "auth-profiles.json");
    fs.writeFileSync(target, "old", { mode: 0o600 });
    const link = path.join(dir, "auth-profiles.json");
    fs.symlinkSync(target, link);
    await writeFileAtomic(link, "new", 0o600);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, "utf8")).toBe("new");
    // and a dangling link gets its target created
    const dangling = path.join(dir, "later.json");
    fs.symlinkSync(path.join(realDir, "later-target.json"), dangling);
    await writeFileAtomic(dangling, "made", 0o600);
    expect(fs.lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(realDir, "later-target.json"), "utf8")).toBe("made");
  });
});

describe("updateConfigFile", () => {
  it("removes temp files a killed writer left behind (of the config and of its .bak)", async () => {
    const file = path.join(dir, "baton.json5");
    fs.writeFileSync(file, "{}", { mode: 0o600 });
    const stale = [path.join(dir, ".baton.json5.4242.abc.tmp"), path.join(dir, ".baton.json5.bak.4242.abd.tmp")];
    const old = new Date(Date.now() - 60_000);
    for (const file of stale) {
      fs.writeFileSync(file, "half");
      fs.utimesSync(file, old, old);
    }
    await updateConfigFile(file, (raw) => {
      raw.gateway = { logLevel: "debug" };
    });
    expect(fs.readdirSync(dir).sort()).toEqual(["baton.json5", "baton.json5.bak"]);
  });

  it("creates a missing config (and its 0700 directory) with mode 0600", async () => {
    const file = path.join(dir, "state", "baton.json5");
    const result = await updateConfigFile(file, (raw) => {
      raw.auth = { profiles: { "anthropic:default": { provider: "anthropic", mode: "api_key" } } };
    });
    expect(result).toEqual({ changed: true, backupPath: undefined });
    expect(JSON5.parse(fs.readFileSync(file, "utf8"))).toEqual({ auth: { profiles: { "anthropic:default": { provider: "anthropic", mode: "api_key" } } } });
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
  });

  it("keeps the previous file as .bak and ${VAR} references as written", async () => {
    const file = path.join(dir, "baton.json5");
    const original = `// my config\n{\n  env: { ANTHROPIC_API_KEY: "\${MY_KEY}" }, // from the vault\n  channels: { telegram: { botToken: "\${TG}" } },\n}\n`;
    fs.writeFileSync(file, original);
    const result = await updateConfigFile(file, (raw) => {
      raw.auth = { profiles: { "anthropic:manual": { provider: "anthropic", mode: "token" } } };
    });
    expect(result).toEqual({ changed: true, backupPath: `${file}.bak` });
    expect(fs.readFileSync(`${file}.bak`, "utf8")).toBe(original);
    const written = JSON5.parse(fs.readFileSync(file, "utf8"));
    expect(written.env.ANTHROPIC_API_KEY).toBe("${MY_KEY}");
    expect(written.channels.telegram.botToken).toBe("${TG}");
    expect(written.auth.profiles["anthropic:manual"]).toEqual({ provider: "anthropic", mode: "token" });
  });

  it("does not touch the file (or create one) when nothing changes", async () => {
    const missing = path.join(dir, "none.json5");
    expect(await updateConfigFile(missing, () => undefined)).toEqual({ changed: false });
    expect(fs.existsSync(missing)).toBe(false);

    const file = path.join(dir, "baton.json5");
    fs.writeFileSync(file, "{ a: 1 } // comment");
    expect(await updateConfigFile(file, (raw) => void (raw.a = 1))).toEqual({ changed: false });
    expect(fs.readFileSync(file, "utf8")).toBe("{ a: 1 } // comment");
    expect(fs.existsSync(`${file}.bak`)).toBe(false);
  });

  it("refuses a config that does not parse and leaves it alone", async () => {
    const file = path.join(dir, "baton.json5");
    fs.writeFileSync(file, "{ auth: ");
    const error = await updateConfigFile(file, (raw) => void (raw.x = 1)).catch((err) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(file);
    expect(fs.readFileSync(file, "utf8")).toBe("{ auth: ");
  });

  it("serialises concurrent writers so no edit is lost", async () => {
    const file = path.join(dir, "baton.json5");
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        updateConfigFile(file, (raw) => {
          raw.auth ??= { profiles: {} };
          raw.auth.profiles[`anthropic:p${i}`] = { provider: "anthropic", mode: "token" };
        }),
      ),
    );
    expect(Object.keys(JSON5.parse(fs.readFileSync(file, "utf8")).auth.profiles)).toHaveLength(10);
  });
});
