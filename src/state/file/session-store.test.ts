import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SessionStoreError } from "../sessions.js";
import { FileSessionStore } from "./session-store.js";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "baton-sessions-"));

describe("FileSessionStore", () => {
  it("stores sessions as private files and reads them back in a new store", async () => {
    const dir = path.join(tempDir(), "sessions");
    const store = new FileSessionStore(dir);
    await store.update("telegram:dm:1", (s) => {
      s.modelOverride = "anthropic/claude-haiku-4-5";
      s.history.push({ role: "user", content: "hi", ts: 1 });
    });
    const file = store.fileFor("telegram:dm:1");
    expect(path.basename(file)).toBe("telegram%3Adm%3A1.json");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const again = await new FileSessionStore(dir).get("telegram:dm:1");
    expect(again).toMatchObject({ modelOverride: "anthropic/claude-haiku-4-5", history: [{ content: "hi" }] });
  });

  it("serializes concurrent updates of one session", async () => {
    const store = new FileSessionStore(tempDir());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.update("s", (s) => void s.history.push({ role: "user", content: String(i), ts: i }))));
    expect((await store.get("s")).history).toHaveLength(20);
  });

  it("sees a write by another process (file changed under the cache)", async () => {
    const dir = tempDir();
    const store = new FileSessionStore(dir);
    await store.update("s", (s) => void (s.modelOverride = "a/one"));
    expect((await store.get("s")).modelOverride).toBe("a/one");
    await new FileSessionStore(dir).update("s", (s) => void (s.modelOverride = "a/two"));
    expect((await store.get("s")).modelOverride).toBe("a/two");
  });

  it("reports a corrupt file and leaves it untouched", async () => {
    const dir = tempDir();
    const store = new FileSessionStore(dir);
    fs.writeFileSync(store.fileFor("s"), "{ not json");
    await expect(store.get("s")).rejects.toThrow(SessionStoreError);
    await expect(store.update("s", () => undefined)).rejects.toThrow(/unreadable/);
    expect(fs.readFileSync(store.fileFor("s"), "utf8")).toBe("{ not json");
  });
});
