// Preloaded into measured processes (NODE_OPTIONS=--require): appends peak RSS (KiB) on exit.
const fs = require("node:fs");
process.on("exit", () => {
  const file = process.env.BENCH_RSS_FILE;
  if (file) fs.appendFileSync(file, `${process.resourceUsage().maxRSS}\n`);
});
