import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "../../src/plugin-api.js";
import { fileChannelState } from "../../test/support/channel-services.js";
import { UpdateOffsetStore } from "./update-offset.js";

let dir: string;
const warnings: string[] = [];
const log: Logger = { debug() {}, info() {}, warn: (msg) => void warnings.push(msg), error() {} };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-offset-"));
  warnings.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("UpdateOffsetStore", () => {
  it("starts without an offset, then resumes after the highest handled update", async () => {
    const path = join(dir, "offset.json");
    const store = new UpdateOffsetStore(fileChannelState(dir), log);
    await store.load();
    expect(store.nextOffset).toBeUndefined();
    store.markHandled(10);
    store.markHandled(12);
    store.markHandled(11); // finished later, but older
    await store.flush();
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ lastUpdateId: 12 });

    const restarted = new UpdateOffsetStore(fileChannelState(dir), log);
    await restarted.load();
    expect(restarted.nextOffset).toBe(13);
  });

  it("reports and ignores a damaged file", async () => {
    const path = join(dir, "offset.json");
    await writeFile(path, "{ not json");
    const store = new UpdateOffsetStore(fileChannelState(dir), log);
    await store.load();
    expect(store.nextOffset).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it("logs a failed write instead of throwing", async () => {
    await writeFile(join(dir, "file"), "");
    const store = new UpdateOffsetStore(fileChannelState(join(dir, "file")), log);
    store.markHandled(1);
    await store.flush();
    expect(warnings).toEqual(["telegram: could not save the update offset"]);
  });
});
