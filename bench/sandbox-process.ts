/**
 * The Postmark sandbox for a benchmark, in a process of its own (bench/support.ts startSandboxProcess):
 * the same sandbox and options the benchmark would start in its own process (bodies not kept, the
 * faults given), started from `process.argv[2]` as JSON. Sends `{ type: "ready", url }` over IPC and
 * stops when the benchmark disconnects or sends SIGTERM.
 */
import { startPostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import type { SandboxFaults } from "@/lib/local/postmark-sandbox/types";

const { token, faults } = JSON.parse(process.argv[2] ?? "{}") as { token: string; faults?: SandboxFaults };
const sandbox = await startPostmarkSandbox({ host: "127.0.0.1", port: 0, serverToken: token, keepBodies: false, faults, log: () => {} });
process.send?.({ type: "ready", url: sandbox.url });
const stop = () => void sandbox.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("disconnect", stop);
