import path from "node:path";
import { identify, isSameProcessAlive, parentPid, processCommandLine, type ProcessIdentity } from "./processes";

/**
 * Whether a process only relays to its child: npm/npx running a script, tsx's cli (which runs the
 * script in a child process), or `sh -c`. Killing a relay with SIGKILL leaves its child running,
 * so a launcher started through one would outlive whoever meant to stop it and keep its ports and lock.
 */
export function isRelay(argv: string[]): boolean {
  // npm sets process.title ("npm start"), which rewrites its whole command line as one string.
  const words = argv.length === 1 ? argv[0].trim().split(/\s+/) : argv;
  const [exe = "", ...rest] = words;
  const base = path.basename(exe);
  if (["sh", "bash", "dash", "zsh"].includes(base)) return rest[0] === "-c";
  if (["npm", "npx", "tsx"].includes(base)) return true;
  if (/^node(\d+)?$/.test(base)) {
    const script = rest.find((a) => !a.startsWith("-"));
    return script !== undefined && /(?:^|\/)(?:npm-cli\.js|npx-cli\.js|tsx\/dist\/cli\.mjs|\.bin\/tsx|bin\/npm|bin\/npx)$/.test(script);
  }
  return false;
}

/** The relays between this process and the first ancestor that is not one (Linux; empty elsewhere). */
export function relayAncestors(): ProcessIdentity[] {
  const relays: ProcessIdentity[] = [];
  let pid = parentPid(process.pid);
  while (pid !== null && pid > 1 && relays.length < 8) {
    const argv = processCommandLine(pid);
    if (!argv || !isRelay(argv)) break;
    relays.push(identify(pid));
    pid = parentPid(pid);
  }
  return relays;
}

/**
 * Calls `onGone` once when any relay above this process dies. A launcher run directly from a shell
 * or a supervisor has no relay above it and is never stopped by this.
 */
export function watchRelayAncestors(onGone: () => void, everyMs = 1000): { stop: () => void } {
  const relays = relayAncestors();
  if (relays.length === 0) return { stop: () => {} };
  const timer = setInterval(() => {
    if (relays.every(isSameProcessAlive)) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
