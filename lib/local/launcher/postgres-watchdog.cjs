// Spawned beside an embedded PostgreSQL by the process that started it (lib/local/launcher/postgres.ts):
// when that process goes away, even by SIGKILL, this IPC channel closes and the postmaster gets a fast
// shutdown (SIGINT: open transactions roll back, committed data stays), so no orphan keeps the port
// and the data directory. The pid must still be the one in postmaster.pid, never a reused pid.
const fs = require("node:fs");
const path = require("node:path");

const [pid, dataDir] = [Number(process.argv[2]), process.argv[3]];

process.on("disconnect", () => {
  try {
    const recorded = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    if (recorded === pid) process.kill(pid, "SIGINT");
  } catch {
    // Already stopped: nothing to do.
  }
  process.exit(0);
});
