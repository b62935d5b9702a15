import { after } from "next/server";
import { runDetached, type AfterResponse } from "@/lib/alerts/alerts";

/**
 * Runs a task after the response has gone out (Next's `after`). `after` needs Next's request scope;
 * a handler called outside it (the route tests, the drills' route server) runs the task detached
 * instead, so the response still never waits on it.
 */
export const afterResponse: AfterResponse = (task) => {
  try {
    after(task);
  } catch {
    runDetached(task);
  }
};
