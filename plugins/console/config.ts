import type { ChannelConfigDeclaration, ChannelConfigModule } from "../../src/plugin-api.js";

/** `channels.console`: the terminal chat of `baton chat` (and of `baton gateway` with no other channel). */
export default ((z, fields) => {
  const schema = z.strictObject({
    enabled: fields.enabled(),
    session: fields.describe(z._default(z.string(), "main"), "Session name of the terminal chat (console:<name>)"),
  });
  return {
    schema,
    help: "The terminal: `baton chat`, and `baton gateway` when no other channel starts",
    local: true,
  } satisfies ChannelConfigDeclaration<typeof schema>;
}) satisfies ChannelConfigModule;
