import { configDefaults, defineConfig } from "vitest/config";

const ALL = ["src/**/*.test.ts", "plugins/**/*.test.ts", "test/**/*.test.ts"];

/**
 * Tests that start something: a fake server (test/fakes) and the real grammY, discord.js or
 * Anthropic SDK client against it, a `bin/baton` process, or a long property soak. Everything
 * else is `unit`: pure modules, no socket, no process, a few seconds for the whole project
 * (`npx vitest run --project unit`). A new test that opens a socket belongs here.
 */
const E2E = [
  "test/{chat,cli,e2e,http}/**/*.test.ts",
  "test/reliability/{bad-input,crash-restart,fault-soak,secrets}.test.ts",
  "test/fakes/*/{server,rest}.test.ts",
  "plugins/discord/{connection,interactions,peer-input,plugin,register-commands,shards}.test.ts",
  "plugins/telegram/{bot-info,outbound,plugin,polling,update-settlement,webhook}.test.ts",
  "src/auth/{oauth-refresh,resolver}.test.ts",
  "src/state/redis/**/*.test.ts",
  "test/cluster/**/*.test.ts",
  "src/providers/{anthropic,openrouter}/provider.test.ts",
  "src/chat/format/properties.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // 2-core machines: two test files at a time, whichever project they belong to.
    poolOptions: { forks: { maxForks: 2 } },
    // CI asks for a JSON report too, to print one plain "N passed, N failed" line at the end.
    reporters: process.env.VITEST_JSON_REPORT ? ["default", "json"] : ["default"],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : undefined,
    projects: [
      {
        extends: true,
        // One process, one module cache for every unit file (a fresh process per file costs more than
        // the tests): a quarter of the time. So a unit test leaves no global behind (env, timers,
        // listeners, fast-check settings); `--sequence.shuffle` finds one that does.
        test: {
          name: "unit",
          include: ALL,
          exclude: [...configDefaults.exclude, ...E2E],
          poolOptions: { forks: { singleFork: true, isolate: false } },
        },
      },
      { extends: true, test: { name: "e2e", include: E2E } },
    ],
  },
});
