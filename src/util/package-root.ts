import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Baton checkout or install root: the nearest ancestor holding Baton's package.json. */
export function packageRoot(fromUrl: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(fromUrl));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        if (JSON.parse(fs.readFileSync(manifest, "utf8")).name === "baton") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Baton's package.json not found above ${fileURLToPath(fromUrl)}`);
    dir = parent;
  }
}
