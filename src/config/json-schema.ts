import * as z from "zod/mini";
import { BatonConfig } from "./schema.js";

/** The config's JSON Schema (input side: what a user writes), generated from the zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(BatonConfig, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  return { ...generated, $id: "https://baton.dev/schema/baton.schema.json", title: "Baton config" };
}
