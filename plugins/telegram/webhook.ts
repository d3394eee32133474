/**
 * Webhook mode: an HTTP endpoint Telegram POSTs updates to. grammY's webhookCallback
 * checks the `X-Telegram-Bot-Api-Secret-Token` header (401 when missing or wrong)
 * before reading the body; anything but POST to the configured path is a 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { webhookCallback, type Bot } from "grammy";
import type { Logger } from "../../src/plugin-api.js";
import { describeError } from "./errors.js";
import { settleWithin, type UpdateIntake } from "./intake.js";

export interface WebhookServer extends UpdateIntake {
  /** The port actually bound (differs from the requested one when that was 0). */
  port: number;
}

export async function startWebhookServer(options: {
  bot: Bot;
  host: string;
  port: number;
  path: string;
  secret: string;
  log: Logger;
  token: string;
}): Promise<WebhookServer> {
  const { log, token } = options;
  // Telegram retries an update until it gets a 2xx; handlers only dispatch, so they are quick.
  const callback = webhookCallback(options.bot, "http", {
    secretToken: options.secret,
    onTimeout: "return",
    timeoutMilliseconds: 10_000,
  });
  const inFlight = new Set<Promise<void>>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "POST" || path !== options.path) {
      res.writeHead(404).end();
      return;
    }
    const task = callback(req, res)
      .catch((err: unknown) => {
        const status = err instanceof SyntaxError ? 400 : 500;
        if (status === 500) log.error("telegram: webhook update failed", { error: describeError(err, token) });
        if (!res.headersSent) res.writeHead(status);
        res.end();
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    async stop(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await settleWithin(Promise.allSettled([...inFlight]), graceMs);
      server.closeAllConnections();
      await closed;
    },
  };
}
