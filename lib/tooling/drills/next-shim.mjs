// The part of `next/server` the API routes use, for the drills' route server (route-server.ts), which
// serves the app's own route handlers without Next's HTTP layer. `after` runs its callback once the
// response is on its way, as Next does; nothing else from next/server is needed by app/api.
export function after(task) {
  setImmediate(async () => {
    try {
      await (typeof task === "function" ? task() : task);
    } catch (error) {
      console.error("[after] background task failed", error);
    }
  });
}
