/**
 * Auth profile ids are `<provider>:<name>`, e.g. `anthropic:work` (the name may itself contain
 * `:`, never whitespace). Shared by the config schema, `/model x@<id>` and `baton models auth`.
 */
export const PROFILE_ID = /^[a-z0-9_-]+:\S+$/i;
