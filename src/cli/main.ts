import { Command, CommanderError, Option } from "commander";
import { closeOpenBackends } from "../state/open-backends.js";
import { createCliContext, EXIT, type CliContext } from "./context.js";
import { addHelpTexts } from "./help-texts.js";

/**
 * The command table. Declarations are cheap (commander only); each handler module is
 * imported when its command runs, so `baton --help` never loads the agent runtime, a chat
 * platform's library or the Anthropic SDK.
 */

type Loader = () => Promise<{ run: (options: any, ctx: CliContext) => Promise<number | void> }>;

function action(cmd: Command, load: Loader, mapArgs?: (...args: any[]) => Record<string, unknown>) {
  cmd.action(async (...args: any[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals();
    const options = { ...globals, ...(mapArgs ? mapArgs(...args.slice(0, -2)) : {}) };
    const ctx = createCliContext(globals.config);
    const { run } = await load();
    const code = await run(options, ctx);
    // a Redis state backend holds sockets that would keep the process alive
    await closeOpenBackends();
    process.exitCode = code ?? EXIT.ok;
  });
  return cmd;
}

const agentOption = () => new Option("--agent <id>", "agent id (default: the configured default agent)");

export function buildProgram(): Command {
  const program = new Command("baton")
    .description("Self-hosted chat-bot gateway: Discord and Telegram to Anthropic agents")
    .version(process.env.npm_package_version ?? "0.1.0", "-V, --version")
    .option("--config <path>", "config file (default: $BATON_CONFIG or <state>/baton.json5)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  const gateway = program
    .command("gateway")
    .description("run the bot (channels from config; the console when none is configured)")
    .option("--http-port <port>", "serve /healthz, /readyz, /metrics and the status page on this port (overrides gateway.http.port)");
  action(gateway, () => import("./commands/gateway.js"));
  action(
    gateway
      .command("install")
      .description("write a systemd user unit (Linux) or launchd plist (macOS) that reads <state>/.env")
      .option("--print", "print the unit instead of writing it"),
    () => import("./commands/gateway-install.js"),
  );

  action(
    program
      .command("chat")
      .description("chat in the terminal through the same router as the channels")
      .addOption(agentOption())
      .option("--session <key>", "session name (console:<name>)", "main"),
    () => import("./commands/chat.js"),
  );

  action(
    program
      .command("agent")
      .description("run one agent turn and print the reply")
      .requiredOption("-m, --message <text>", "the message to send")
      .option("--session <key>", "session key", "console:cli")
      .addOption(agentOption())
      .option("--json", "print the result as JSON"),
    () => import("./commands/agent.js"),
  );

  action(
    program
      .command("onboard")
      .description("set up an agent's credentials and the chat channels (interactive wizard or flags)")
      .option("--non-interactive", "never prompt")
      .option("--anthropic-api-key <key>", "store this Anthropic API key as anthropic:default")
      .option("--openrouter-api-key <key>", "store this OpenRouter API key as openrouter:default")
      .addOption(new Option("--auth-choice <choice>", "how to authenticate").choices(["apiKey", "setup-token", "claude-cli", "openrouter-api-key", "skip"]))
      .option("--owner <channel:id>", "an owner of a chat channel (its allowFrom), e.g. telegram:123456789; repeatable", (v: string, all: string[] = []) => [...all, v])
      .addOption(agentOption())
      // --<channel>-token TOKEN for each installed channel with a setup (the plugins say which): parsed by onboard
      .allowUnknownOption()
      .argument("[channel-flags...]", "--<channel>-token TOKEN: set up that chat channel (--telegram-token, --discord-token)"),
    () => import("./commands/onboard.js"),
    (channelFlags) => ({ channelFlags }),
  );

  const models = program.command("models").description("models and their credentials");
  action(
    models
      .command("status")
      .description("effective credentials, profiles, expiry and cooldowns")
      .option("--json", "print JSON")
      .option("--check", "exit 1 when credentials are missing/expired/rejected, 2 when expiring within 24h")
      .option("--probe", "send one tiny request per credential, record the outcomes, then report (exit code as --check)")
      .addOption(agentOption()),
    () => import("./commands/models-status.js"),
  );
  action(
    models
      .command("list")
      .description("configured and known models, with end-of-life dates")
      .option("--json", "print JSON")
      .option("--refresh", "refetch the provider's model list now (else cached for 24h)")
      .addOption(agentOption()),
    () => import("./commands/models-list.js"),
  );

  const auth = models.command("auth").description("auth profiles of an agent");
  const authCommand = (name: string) => () => import("./commands/models-auth.js").then((m) => ({ run: (o: any, c: CliContext) => m.run({ ...o, subcommand: name }, c) }));
  action(auth.command("list").description("list auth profiles (secrets masked)").option("--json", "print JSON").addOption(agentOption()), authCommand("list"));
  action(auth.command("remove").description("remove an auth profile").argument("<id>", "profile id").addOption(agentOption()), authCommand("remove"), (id) => ({ id }));
  action(
    auth
      .command("setup-token")
      .description("run `claude setup-token` (needs a TTY) and store the token")
      .requiredOption("--provider <provider>", "provider", "anthropic")
      .option("--profile-id <id>", "profile id (default: anthropic:claude-cli)")
      .addOption(agentOption()),
    authCommand("setup-token"),
  );
  action(
    auth
      .command("paste-token")
      .description("store a token pasted at the prompt (or read from stdin when not a TTY)")
      .requiredOption("--provider <provider>", "provider (anthropic, openrouter, ...)")
      .option("--profile-id <id>", "profile id (default: anthropic:manual, else <provider>:default)")
      .option("--expires-in <duration>", "expiry, e.g. 365d, 12h")
      .addOption(agentOption()),
    authCommand("paste-token"),
  );
  const order = auth.command("order").description("per-agent auth profile order override");
  action(
    order
      .command("get")
      .description("show the agent's order for a provider (its override, or what the config gives)")
      .requiredOption("--provider <provider>", "provider")
      .option("--json", "print JSON")
      .addOption(agentOption()),
    authCommand("order-get"),
  );
  action(
    order
      .command("set")
      .description("use exactly these profiles, in this order, for the provider (overrides the config's auth.order)")
      .requiredOption("--provider <provider>", "provider")
      .argument("<ids...>", "profile ids in order")
      .addOption(agentOption()),
    authCommand("order-set"),
    (ids) => ({ ids }),
  );
  action(
    order.command("clear").description("drop the agent's override: the config's order applies again").requiredOption("--provider <provider>", "provider").addOption(agentOption()),
    authCommand("order-clear"),
  );
  const cooldown = auth.command("cooldown").description("profiles in cooldown or disabled");
  action(
    cooldown.command("list").description("profiles in cooldown or disabled: why, for which model, and time left").option("--json", "print JSON").addOption(agentOption()),
    authCommand("cooldown-list"),
  );
  action(
    cooldown.command("clear").description("make profiles usable again now (their failure counters reset)").argument("[id]", "profile id (default: all)").addOption(agentOption()),
    authCommand("cooldown-clear"),
    (id) => ({ id }),
  );

  const pairing = program.command("pairing").description("who may DM the bot: pairing requests and approvals (channels.<id>.dmPolicy)");
  const pairingCommand = (name: string) => () => import("./commands/pairing.js").then((m) => ({ run: (o: any, c: CliContext) => m.run({ ...o, subcommand: name }, c) }));
  action(
    pairing.command("list").description("pending codes and approved senders").option("--channel <id>", "only this channel (its id under channels)").option("--json", "print JSON"),
    pairingCommand("list"),
  );
  action(
    pairing.command("approve").description("let the sender who got this code talk to the bot").argument("<channel>", "channel id, as the bot's pairing message names it").argument("<code>", "the code the bot gave them"),
    pairingCommand("approve"),
    (channel, code) => ({ channel, code }),
  );
  action(
    pairing.command("revoke").description("withdraw a sender's approval").argument("<channel>", "channel id (see pairing list)").argument("<userId>", "their user id (see pairing list)"),
    pairingCommand("revoke"),
    (channel, userId) => ({ channel, userId }),
  );

  action(
    program.command("doctor").description("check config, credentials and file permissions").option("--fix", "repair what can be repaired").option("--json", "print JSON"),
    () => import("./commands/doctor.js"),
  );

  action(
    program
      .command("usage")
      .description("tokens and estimated cost recorded per day (UTC)")
      .option("--since <when>", "from this many days back (7d, 24h, 2w) or from a day (2026-12-01); default: every recorded day")
      .addOption(new Option("--by <dimension>", "group by").choices(["agent", "profile", "sender", "model", "session", "day"]).default("model"))
      .option("--json", "print JSON"),
    () => import("./commands/usage.js"),
  );

  const config = program.command("config").description("the config file");
  action(config.command("validate").description("validate the config file").option("--json", "print JSON"), () =>
    import("./commands/config.js").then((m) => ({ run: m.validate })),
  );
  action(config.command("schema").description("print the JSON Schema of the config"), () => import("./commands/config.js").then((m) => ({ run: m.schema })));

  addHelpTexts(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.commands.forEach(function configure(cmd: Command) {
    cmd.exitOverride();
    cmd.commands.forEach(configure);
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every other commander error is a usage error
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message}\n`);
    process.exitCode = EXIT.failure;
  }
}
