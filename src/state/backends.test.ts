import { describe, expect, it } from "vitest";
import { resolvePaths } from "../config/paths.js";
import { BatonConfig } from "../config/schema.js";
import { addFileProfile, describeBackendContract, tempDir, type BackendRow } from "./backend-contract.js";
import { openStateBackend } from "./backend.js";

const FILE: BackendRow = {
  name: "file",
  open: (dir) => openStateBackend(BatonConfig.parse({}), resolvePaths({ BATON_STATE_DIR: dir, HOME: dir })),
  addProfile: addFileProfile,
};

describeBackendContract(FILE);

describe("choosing the backend (config state.backend)", () => {
  it('defaults to "file"; "redis" needs a URL from the config or BATON_REDIS_URL, and connects only when used', async () => {
    const dir = tempDir();
    const paths = resolvePaths({ BATON_STATE_DIR: dir, HOME: dir });
    expect(BatonConfig.parse({}).state).toEqual({ backend: "file" });
    expect(openStateBackend(BatonConfig.parse({}), paths).kind).toBe("file");
    const redis = BatonConfig.parse({ state: { backend: "redis" } });
    expect(() => openStateBackend(redis, paths, {})).toThrow('state.backend is "redis" but no Redis URL is set: set state.redis.url or BATON_REDIS_URL');
    const fromEnv = openStateBackend(redis, paths, { BATON_REDIS_URL: "redis://127.0.0.1:1" });
    expect(fromEnv.kind).toBe("redis");
    await fromEnv.close();
  });

  it("hands out one repository per agent and channel", () => {
    const backend = FILE.open(tempDir());
    expect(backend.sessions("main")).toBe(backend.sessions("main"));
    expect(backend.sessions("main")).not.toBe(backend.sessions("work"));
    expect(backend.authUsage("main")).toBe(backend.authUsage("main"));
    expect(backend.channelState("telegram")).toBe(backend.channelState("telegram"));
    expect(backend.usage()).toBe(backend.usage());
  });
});
