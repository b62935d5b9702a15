import net from "node:net";
import { LauncherError } from "./errors";

/** Whether something already listens on host:port (we try to connect rather than bind: no races with TIME_WAIT). */
export function isPortInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** Refuses a taken port with one line naming the variables that move it: `port 5439 is in use (set POSTGRES_PORT or DATABASE_URL)`. */
export async function assertPortFree(port: number, hint: string, host = "127.0.0.1"): Promise<void> {
  if (await isPortInUse(port, host)) throw new LauncherError(`port ${port} is in use (${hint})`);
}

/** A free port chosen by the kernel, for tests and benchmarks. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A free port below Linux's ephemeral range (32768-60999 by default), for a server started a moment
 * after the port is chosen. A port the kernel handed out with `listen(0)` is free only until the next
 * outgoing connection (a database pool opening, a webhook post) is given it as its local port: a drill
 * once failed with EADDRINUSE that way. Below the range, only another listener can take it.
 */
export async function freeServerPort(from = 20_000, to = 32_000): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from));
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  return freePort();
}
