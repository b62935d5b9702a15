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
