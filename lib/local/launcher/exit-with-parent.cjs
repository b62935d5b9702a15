// Preloaded into the app's process: when the launcher goes away, even by SIGKILL, the IPC channel
// closes and the app exits too, so no orphan keeps the port.
if (process.send) {
  process.on("disconnect", () => process.exit(0));
}
