/** Loopback sockets for tests. */
import { createServer } from "node:net";

/** A loopback port nobody listens on right now (for a server under test, or a peer that is down). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
