import type { Command } from "commander";

/**
 * What `--help` shows after the options: examples and the environment a command reads, keyed by
 * the command's path ("" for `baton` itself). Plain strings: `baton --help` stays as fast as
 * commander alone.
 */
const HELP_AFTER: Record<string, string> = {
  "": `
Examples:
  baton onboard                         set up a credential and chat channels (wizard)
  baton gateway                         run the bot (the terminal chat when no channel is set up)
  baton models status --check           exit 1 when a credential is missing or expired
  baton config validate                 check the config file, with line numbers

From a checkout, run ./bin/baton (or npx baton); \`npm link\` puts baton on your PATH.

Environment (process environment, then <state>/.env, then the config's env block):
  BATON_STATE_DIR       state directory (default ~/.baton)
  BATON_CONFIG          config file, below --config (default <state>/baton.json5)
  ANTHROPIC_API_KEY     Anthropic key for agents that store no anthropic profile
  ANTHROPIC_BASE_URL    send Anthropic requests elsewhere (a proxy, a gateway)
  OPENROUTER_API_KEY    OpenRouter key, likewise; OPENROUTER_BASE_URL to point it elsewhere
  CLAUDE_CONFIG_DIR     where Claude Code keeps .credentials.json (default ~/.claude)
  BATON_REDIS_URL       Redis for state.backend "redis"
  NO_COLOR              no colour in output
  Chat channels read their bot tokens too (TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN).

Exit codes: 0 ok, 1 failure, 2 usage error (docs/COMMANDS.md).
`,
  gateway: `
Examples:
  baton gateway                         channels from the config; the terminal chat when none
  baton gateway --http-port 9090        also serve /healthz, /readyz, /metrics and the status page
  baton --config /etc/baton.json5 gateway

Reads <state>/.env at start-up (tokens and keys for services). SIGTERM or SIGINT stops it
cleanly within 10 s.
`,
  "gateway install": `
Examples:
  baton gateway install --print         look at the unit first
  baton gateway install && systemctl --user daemon-reload && systemctl --user enable --now baton-gateway
  loginctl enable-linger $USER          on a headless server: keep it running after logout
`,
  chat: `
Examples:
  baton chat                            the session console:main
  baton chat --session work --agent family
Type /help for chat commands; Ctrl-D leaves.
`,
  agent: `
Examples:
  baton agent -m "Summarise RFC 9110 in three lines"
  baton agent -m "/model status" --session telegram:dm:42    a chat command in that chat's session
  baton agent -m "hi" --json                                 reply, model, profile and usage as JSON
Exit code 1 when the turn failed (no credential, provider error, disk).
`,
  onboard: `
Examples:
  baton onboard                                        the wizard (needs a terminal)
  baton onboard --anthropic-api-key "$ANTHROPIC_API_KEY"
  echo "$TOKEN" | baton onboard --auth-choice setup-token
  baton onboard --telegram-token "$TG_TOKEN" --owner telegram:123456789
  baton onboard --discord-token "$DC_TOKEN" --owner discord:111111111111111111   prints the invite URL

Bot tokens are checked with the platform and written to <state>/.env (0600), never to the
config; owners go to channels.<id>.allowFrom. --non-interactive never prompts.
`,
  "models status": `
Examples:
  baton models status                   which credential each provider uses, expiry, cooldowns
  baton models status --check || echo "credentials need attention"    (cron; 2: expires within 24 h)
  baton models status --json | jq '.auth.unusableProfiles'
`,
  "models auth paste-token": `
Examples:
  baton models auth paste-token --provider anthropic                           asks (or reads stdin)
  echo "$KEY" | baton models auth paste-token --provider anthropic --profile-id anthropic:work
  baton models auth paste-token --provider anthropic --profile-id anthropic:manual --expires-in 365d
Use --profile-id to replace the credential of a profile you pinned or ordered.
`,
  "models auth order": `
The order is which profile serves first; profiles in cooldown move to the end. Without an
override the config's auth.order[provider] applies, else the configured, then stored profiles.

Examples:
  baton models auth order get --provider anthropic
  baton models auth order set --provider anthropic anthropic:work anthropic:default
  baton models auth order clear --provider anthropic
`,
  "models auth cooldown": `
Examples:
  baton models auth cooldown list                      who is cooling down, why, and for how long
  baton models auth cooldown clear anthropic:work      usable again now (a new key was pasted, say)
  baton models auth cooldown clear                     every profile of the agent
`,
  pairing: `
Examples:
  baton pairing list
  baton pairing approve telegram ABCD2345     the code the bot gave the sender
  baton pairing revoke telegram 123456789
`,
  "config validate": `
Examples:
  baton config validate
  baton --config ./config.example.json5 config validate --json
Variables used as \${VAR} that are not set here are listed apart (stderr, unsetVariables in
JSON); they do not fail validation, but baton gateway needs them set.
`,
  "config schema": `
Example:
  baton config schema > ~/.baton/baton.schema.json     then "$schema": "./baton.schema.json" in the config
`,
};

function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Attaches {@link HELP_AFTER} to the program and its commands. */
export function addHelpTexts(program: Command): void {
  const visit = (cmd: Command) => {
    const text = HELP_AFTER[pathOf(cmd)];
    if (text) cmd.addHelpText("after", text);
    cmd.commands.forEach(visit);
  };
  visit(program);
}
