/** Helpers shared by the sandbox's tests: a webhook receiver on 127.0.0.1 and the shared fixtures. */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { SandboxMessage } from "./server";

/** The shared reference folder (`../shared` beside the repo), overridable with POSTLINE_SHARED_DIR. */
export function sharedDir(env: Record<string, string | undefined> = process.env): string {
  return env.POSTLINE_SHARED_DIR ?? path.resolve(process.cwd(), "../shared");
}

export function readFixture(relative: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(sharedDir(), "postmark", relative), "utf8"));
}

export interface ReceivedPost {
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
  at: number;
}

export interface Receiver {
  url: string;
  posts: ReceivedPost[];
  /** Status to answer with, per post (1-based count of posts so far); default 200. */
  respond: (post: ReceivedPost, n: number) => number;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedPost[]>;
  close(): Promise<void>;
}

export async function startReceiver(respond: Receiver["respond"] = () => 200): Promise<Receiver> {
  const posts: ReceivedPost[] = [];
  const waiters: (() => void)[] = [];
  const receiver: Receiver = {
    url: "",
    posts,
    respond,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (posts.length >= count) {
            clearTimeout(timer);
            resolve(posts);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`expected ${count} webhook posts, got ${posts.length}`)), timeoutMs);
        if (!check()) {
          const again = () => {
            if (!check()) waiters.push(again);
          };
          waiters.push(again);
        }
      });
    },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const post: ReceivedPost = { headers: req.headers, body: JSON.parse(raw), raw, at: Date.now() };
      posts.push(post);
      const status = receiver.respond(post, posts.length);
      res.writeHead(status, { "Content-Type": "text/plain" });
      res.end(status < 300 ? "ok" : "no");
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/postmark`;
  return receiver;
}

/** What the sandbox says happened to a message, in Postline's status vocabulary (the ground truth benches and drills compare with). */
export function sandboxTruth(m: SandboxMessage): string {
  const kinds = new Set(m.events.map((e) => e.recordType));
  if (kinds.has("Bounce")) return "bounced";
  if (kinds.has("SpamComplaint")) return "spam_complaint";
  if (kinds.has("SubscriptionChange")) return "unsubscribed";
  if (kinds.has("Click")) return "clicked";
  if (kinds.has("Open")) return "opened";
  if (kinds.has("Delivery")) return "delivered";
  return "sent";
}
