import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolvePaths } from "../../config/paths.js";
import { configNamedBy, ensurePrivateDir } from "../../config/runtime.js";
import { packageRoot } from "../../util/package-root.js";
import { EXIT, type CliContext } from "../context.js";

const batonBin = path.join(packageRoot(), "bin", "baton");

/**
 * A systemd user unit. Baton itself loads `<state>/.env` (dotenv syntax) at start-up, so the unit
 * only pins the state dir. No `network-online.target`: that is a system-manager target a user
 * manager does not have (systemd.special(7)), and Baton does not need it — channels that cannot
 * connect yet are retried in the background. Started by `default.target` of the user's manager.
 */
export function systemdUnit(options: { node: string; bin: string; stateDir: string; configPath?: string }): string {
  const configArg = options.configPath ? ` --config ${options.configPath}` : "";
  return `[Unit]
Description=Baton chat-bot gateway

[Service]
Type=simple
# Secrets and tokens: Baton reads ${path.join(options.stateDir, ".env")} itself at start-up.
Environment=BATON_STATE_DIR=${options.stateDir}
ExecStart=${options.node} ${options.bin} gateway${configArg}
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=15

[Install]
WantedBy=default.target
`;
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function launchdPlist(options: { node: string; bin: string; stateDir: string; configPath?: string }): string {
  const args = [options.node, options.bin, "gateway", ...(options.configPath ? ["--config", options.configPath] : [])];
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>dev.baton.gateway</string>
  <!-- Secrets and tokens: Baton reads ${xml(path.join(options.stateDir, ".env"))} itself at start-up. -->
  <key>ProgramArguments</key>
  <array>
${args.map((a) => `    <string>${xml(a)}</string>`).join("\n")}
  </array>
  <key>EnvironmentVariables</key>
  <dict><key>BATON_STATE_DIR</key><string>${xml(options.stateDir)}</string></dict>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>StandardErrorPath</key><string>${xml(path.join(options.stateDir, "gateway.log"))}</string>
</dict>
</plist>
`;
}

/** `baton gateway install [--print]`: writes the unit for this OS (or prints it) and says how to enable it. */
export async function run(options: { print?: boolean }, ctx: CliContext): Promise<number> {
  const paths = resolvePaths(ctx.env, ctx.configFlag);
  const namedBy = configNamedBy(ctx.env, ctx.configFlag);
  const explicitConfig = namedBy ? paths.configPath : undefined;
  if (explicitConfig && !fs.existsSync(explicitConfig)) {
    ctx.stderr.write(`${explicitConfig}: no such file (named by ${namedBy}); the service would not start with it.\n`);
    return EXIT.failure;
  }
  const unitOptions = { node: process.execPath, bin: batonBin, stateDir: paths.stateDir, configPath: explicitConfig };
  const home = ctx.env.HOME || os.homedir();
  const mac = process.platform === "darwin";
  const content = mac ? launchdPlist(unitOptions) : systemdUnit(unitOptions);
  if (options.print) {
    ctx.stdout.write(content);
    return EXIT.ok;
  }
  const target = mac ? path.join(home, "Library", "LaunchAgents", "dev.baton.gateway.plist") : path.join(home, ".config", "systemd", "user", "baton-gateway.service");
  fs.mkdirSync(path.dirname(target), { recursive: true });
  ensurePrivateDir(paths.stateDir);
  fs.writeFileSync(target, content, { mode: 0o644 });
  const enable = mac ? `launchctl load -w ${target}` : "systemctl --user daemon-reload && systemctl --user enable --now baton-gateway";
  const linger = mac
    ? ""
    : "On a server you do not stay logged in to, let the service run without a session (else it stops at logout):\n  loginctl enable-linger $USER\n";
  ctx.stdout.write(`Wrote ${target}\nPut API keys and bot tokens in ${paths.envFile} (0600), then run:\n  ${enable}\n${linger}`);
  return EXIT.ok;
}
