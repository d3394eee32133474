// Bundles the CLI (src/cli/main.ts) into dist/cli/, one chunk per lazily loaded command.
// Why: Node 20's ESM loader pays per module file; zod alone costs ~90 ms as ~100 files and
// ~30 ms as one chunk, which is the difference between a snappy and a sluggish `baton models status`.
import fs from "node:fs";
import { build } from "esbuild";

fs.rmSync("dist/cli", { recursive: true, force: true });

await build({
  entryPoints: ["src/cli/main.ts"],
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "warning",
  // The SDK and the channel libraries load only when a turn or a channel runs; keep them as packages.
  external: ["@anthropic-ai/sdk", "discord.js", "grammy", "@grammyjs/*", "ioredis"],
  // CommonJS dependencies (proper-lockfile, bottleneck) call require(); give the ESM bundle one.
  banner: { js: 'import { createRequire as __batonRequire } from "node:module"; const require = __batonRequire(import.meta.url);' },
});
