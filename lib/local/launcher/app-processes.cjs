// Runs the app as several `next start` processes that share one port (POSTLINE_APP_PROCESSES), the
// way a platform runs several instances behind one address: node:cluster's primary holds the listening
// socket and hands each new connection to the next process in turn. The processes share nothing but
// PostgreSQL, as separate instances do (drill 10 runs two on two ports).
//
//   node app-processes.cjs <count> <next's bin> start -p <port> -H <host>
//
// The launcher starts this file with its preloads (exit-with-parent.cjs, forwarded-for.cjs); the
// processes inherit them, so each appends the socket's address to X-Forwarded-For and exits when this
// primary is gone, and this primary exits when the launcher is gone.
//
// One process dying takes the others down and this primary exits with its code, as the single process
// does: the launcher sees the app gone and says so, rather than serving on with part of its capacity.
const cluster = require("node:cluster");

const [count, bin, ...args] = process.argv.slice(2);
const processes = Number(count);
if (!Number.isInteger(processes) || processes < 1 || !bin) {
  console.error("usage: app-processes.cjs <count> <next bin> <next args…>");
  process.exit(2);
}

cluster.setupPrimary({ exec: bin, args });
let stopping = false;
let exitCode = 0;

function stopAll(code) {
  if (!stopping) {
    stopping = true;
    exitCode = code;
  }
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
}

cluster.on("exit", (worker, code, signal) => {
  if (!stopping) {
    console.error(`app process ${worker.process.pid} exited (${signal ?? code}); stopping the others`);
    stopAll(code ?? 1);
  }
  if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
});

for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => stopAll(0));
for (let i = 0; i < processes; i++) cluster.fork();
