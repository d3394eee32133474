import * as z from "zod/mini";
import type { ChannelCatalog } from "./channel-catalog.js";
import { BatonConfig } from "./schema.js";

const OPTIONS = { io: "input", unrepresentable: "any", target: "draft-2020-12" } as const;

/**
 * The config's JSON Schema (input side: what a user writes), generated from the zod schema,
 * with `channels.<id>` generated from each loaded channel plugin's schema.
 */
export function configJsonSchema(channels: ChannelCatalog): Record<string, unknown> {
  const generated = z.toJSONSchema(BatonConfig, OPTIONS) as { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const sections = Object.fromEntries(
    channels.all().map((spec) => {
      const { $schema: _schema, ...section } = z.toJSONSchema(spec.schema, OPTIONS) as Record<string, unknown>;
      return [spec.id, { ...section, ...(spec.help ? { description: spec.help } : {}) }];
    }),
  );
  const { description } = generated.properties.channels ?? {};
  generated.properties.channels = { type: "object", ...(description ? { description } : {}), properties: sections, additionalProperties: false };
  return { ...generated, $id: "https://baton.dev/schema/baton.schema.json", title: "Baton config" };
}
