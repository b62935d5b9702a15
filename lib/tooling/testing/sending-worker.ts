/**
 * A sending worker in its own process, for crash tests: it sends until killed. Arguments come as one
 * JSON string so the test controls everything (no environment is read).
 */
import { createDb } from "@/db";
import { createPostmarkClient } from "@/lib/postmark/client";
import { advanceSending } from "@/lib/sending/advance-sending";
import { unsubscribeKey } from "@/lib/sending/unsubscribe-token";

const args = JSON.parse(process.argv[2]) as { databaseUrl: string; sandboxUrl: string; token: string };
const db = createDb(args.databaseUrl, { max: 4 });
const deps = {
  postmark: createPostmarkClient({ serverToken: args.token, apiUrl: args.sandboxUrl, timeoutSeconds: 10 }),
  appUrl: "http://127.0.0.1:3999",
  unsubscribeKey: unsubscribeKey("t".repeat(32)),
  broadcastStream: "broadcast",
  messageStream: "outbound",
  now: () => new Date(),
};
process.stdout.write("ready\n");
for (;;) {
  const r = await advanceSending(db, { budgetMs: 60_000 }, deps);
  if (r.stoppedBy === "idle") break;
}
await db.$client.end();
