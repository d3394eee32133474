/**
 * Migrations applied to the raw (parsed, not yet validated) config on load.
 * Each returns a description of what it changed, so `doctor --fix` can write them back.
 */
export interface Migration {
  id: string;
  description: string;
}

type RawConfig = Record<string, any>;

export function applyMigrations(raw: RawConfig): Migration[] {
  const applied: Migration[] = [];
  const profile = raw?.auth?.profiles?.["anthropic:claude-cli"];
  if (profile && typeof profile === "object" && profile.mode === "token") {
    profile.mode = "oauth";
    applied.push({
      id: "claude-cli-mode-oauth",
      description: 'auth.profiles["anthropic:claude-cli"].mode "token" -> "oauth" (accepts both OAuth and setup-token credentials)',
    });
  }
  return applied;
}
