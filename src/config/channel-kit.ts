import {
  _default,
  array,
  boolean,
  describe,
  enum as oneOf,
  gte,
  int,
  literal,
  looseObject,
  lte,
  maxLength,
  minLength,
  number,
  optional,
  pipe,
  positive,
  record,
  refine,
  regex,
  strictObject,
  string,
  transform,
  union,
  url,
  type ZodMiniType,
} from "zod/mini";
import { allowList, DEFAULT_DM_POLICY, DEFAULT_GROUP_POLICY, DmPolicy, GroupPolicy } from "./schema.js";

/**
 * What a channel plugin's config module is handed (docs/PLUGINS.md, "Config").
 *
 * `configZod` is the part of the core's zod/mini a channel schema needs. Plugins build their
 * schema with the core's own zod, so validation, "did you mean" and `baton config schema` work on
 * it unchanged and the bundled CLI carries one zod. It is a fixed subset, not the namespace: a
 * namespace passed around as a value would defeat tree-shaking and put all of zod/mini into
 * every command's start-up.
 */
export const configZod = {
  _default,
  array,
  boolean,
  describe,
  enum: oneOf,
  gte,
  int,
  literal,
  looseObject,
  lte,
  maxLength,
  minLength,
  number,
  optional,
  pipe,
  positive,
  record,
  refine,
  regex,
  strictObject,
  string,
  transform,
  union,
  url,
};

const described = <T extends ZodMiniType>(schema: T, text: string): T => schema.check(describe(text)) as T;

/**
 * Fields every chat channel shares, so their defaults and help are written once (docs/CONFIG.md, "Access").
 * The core's access policy reads them under these names (the group ones under the names a
 * plugin declares in `access`).
 */
export const channelFields = {
  /** Attaches the help text shown by `baton config schema` and editors. */
  describe: described,
  /** `enabled`, default true: a present section starts its channel unless it says `false`. */
  enabled: () => described(_default(boolean(), true), "Start this channel (false keeps the section but does not connect)"),
  /** User ids; numbers are accepted and kept as strings; `"*"` means everyone. */
  idList: () => allowList,
  /** `allowFrom`: the owners. */
  allowFrom: () =>
    optional(described(allowList, 'Owners: user ids always served, and allowed to switch models when commands.allowFrom is unset; "*" serves everyone')),
  /** `dmPolicy`, default "pairing". */
  dmPolicy: () =>
    described(
      _default(DmPolicy, DEFAULT_DM_POLICY),
      'DMs from senders not in allowFrom: "pairing" (they get a code for `baton pairing approve`), "allowlist" (allowFrom and approved pairings only), "open" (everyone), "disabled" (no DMs)',
    ),
  /** The group policy, default "allowlist"; `groupsKey` names the map of listed groups in its help. */
  groupPolicy: (groupsKey = "groups") =>
    described(_default(GroupPolicy, DEFAULT_GROUP_POLICY), `"allowlist": answer only in ${groupsKey} listed under ${groupsKey}; "open": any; "disabled": none`),
  /** `requireMention`, default true: in groups, answer only when addressed. */
  requireMention: () => described(_default(boolean(), true), "In groups, answer only messages that mention or reply to the bot, or commands"),
};
