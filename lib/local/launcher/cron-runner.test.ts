import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startCronRunner } from "./cron";

afterEach(() => {
  vi.useRealTimers();
});

describe("the cron runner", () => {
  it("calls on schedule with the bearer, never overlaps a path with itself, and reports failures", async () => {
    const requests: { path: string; auth: string | undefined }[] = [];
    let release: (() => void) | null = null;
    const server = http.createServer((req, res) => {
      requests.push({ path: req.url!, auth: req.headers.authorization });
      if (req.url === "/api/cron/slow" && requests.filter((r) => r.path === "/api/cron/slow").length === 1) {
        release = () => res.end("ok"); // the first slow call hangs until released
      } else if (req.url === "/api/cron/broken") {
        res.statusCode = 500;
        res.end();
      } else {
        res.end("ok");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // Only the clock and timers are fake; sockets are real.
    const realSetTimeout = globalThis.setTimeout;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: new Date("2026-01-01T10:00:30Z") });
    const logs: string[] = [];
    const runner = startCronRunner({
      baseUrl,
      secret: "cron-secret",
      jobs: [
        { path: "/api/cron/slow", schedule: "* * * * *" },
        { path: "/api/cron/broken", schedule: "*/5 * * * *" },
      ],
      log: (m) => logs.push(m),
    });
    // Lets real socket I/O happen between fake-time steps.
    const settle = () => new Promise((r) => realSetTimeout(r, 50));
    const count = (p: string) => requests.filter((r) => r.path === p).length;

    await vi.advanceTimersByTimeAsync(30_000); // 10:01
    await vi.waitFor(() => expect(count("/api/cron/slow")).toBe(1));
    await vi.advanceTimersByTimeAsync(60_000); // 10:02: the 10:01 call still runs
    await settle();
    expect(count("/api/cron/slow")).toBe(1);
    expect(logs).toContain("cron /api/cron/slow: skipped, the previous call is still running");
    release!();
    await settle();
    await vi.advanceTimersByTimeAsync(60_000); // 10:03
    await vi.waitFor(() => expect(count("/api/cron/slow")).toBe(2));
    await vi.advanceTimersByTimeAsync(2 * 60_000); // 10:05: the five-minute job fails
    await vi.waitFor(() => expect(logs.some((l) => l.startsWith("cron /api/cron/broken: HTTP 500"))).toBe(true));
    expect(count("/api/cron/broken")).toBe(1);
    expect(new Set(requests.map((r) => r.auth))).toEqual(new Set(["Bearer cron-secret"]));

    await runner.stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await settle();
    expect(count("/api/cron/slow")).toBe(4); // 10:04 and 10:05, then nothing after stop
    server.closeAllConnections();
    server.close();
  });

  it("refuses a schedule that never fires when it starts, not at the first tick", () => {
    expect(() => startCronRunner({ baseUrl: "http://127.0.0.1:1", secret: "s", jobs: [{ path: "/x", schedule: "0 0 30 2 *" }], log: () => {} })).toThrow(
      /cron \/x: cron schedule never matches/,
    );
  });
});
