/** Cold start of the CLI beside bare `node -e 0`: median wall time and peak RSS. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KEY_A, writeAuthStore } from "../test/support/fixtures.js";
import { BATON, measureCommand, printTable } from "./lib.js";

export function cliStartup(runs = 15) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "baton-bench-state-"));
  writeAuthStore(path.join(state, "agents", "main", "agent", "auth-profiles.json"), { "anthropic:default": { type: "api_key", provider: "anthropic", key: KEY_A } });
  fs.copyFileSync(path.resolve(BATON, "../../config.example.json5"), path.join(state, "baton.json5"));
  const env = { PATH: process.env.PATH, HOME: state, BATON_STATE_DIR: state, TELEGRAM_BOT_TOKEN: "1:x", DISCORD_BOT_TOKEN: "x", NO_COLOR: "1" };
  const baseline = measureCommand("node -e 0", process.execPath, ["-e", "0"], env, runs);
  const figures = [
    baseline,
    measureCommand("baton --help", process.execPath, [BATON, "--help"], env, runs),
    measureCommand("baton config validate", process.execPath, [BATON, "config", "validate"], env, runs),
    measureCommand("baton models status --json", process.execPath, [BATON, "models", "status", "--json"], env, runs),
  ];
  fs.rmSync(state, { recursive: true, force: true });
  printTable(
    `CLI cold start (${runs} runs, median; ${os.cpus().length} cores, Node ${process.version})`,
    ["command", "wall ms", "x node", "peak RSS MB", "x node"],
    figures.map((f) => [f.label, f.medianMs.toFixed(1), (f.medianMs / baseline.medianMs).toFixed(2), f.peakRssMb.toFixed(1), (f.peakRssMb / baseline.peakRssMb).toFixed(2)]),
  );
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) cliStartup();
