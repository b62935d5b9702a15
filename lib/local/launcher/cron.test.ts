import { describe, expect, it } from "vitest";
import { cronMatches, nextRun, parseCron } from "./cron";

describe("cron expressions (UTC, as Vercel)", () => {
  it("every minute and every five minutes", () => {
    const t = new Date("2026-01-01T10:03:30Z");
    expect(nextRun(parseCron("* * * * *"), t).toISOString()).toBe("2026-01-01T10:04:00.000Z");
    expect(nextRun(parseCron("*/5 * * * *"), t).toISOString()).toBe("2026-01-01T10:05:00.000Z");
  });

  it("ranges, lists and steps", () => {
    const s = parseCron("0,30 9-17/4 * * 1-5");
    expect(cronMatches(s, new Date("2026-01-05T13:30:00Z"))).toBe(true); // Monday 13:30
    expect(cronMatches(s, new Date("2026-01-05T14:30:00Z"))).toBe(false);
    expect(cronMatches(s, new Date("2026-01-04T13:30:00Z"))).toBe(false); // Sunday
    expect(nextRun(s, new Date("2026-01-09T17:00:00Z")).toISOString()).toBe("2026-01-09T17:30:00.000Z");
    expect(nextRun(s, new Date("2026-01-09T17:30:00Z")).toISOString()).toBe("2026-01-12T09:00:00.000Z");
  });

  it("matches either day field when both are restricted, and 7 means Sunday", () => {
    const s = parseCron("0 0 1 * 7");
    expect(cronMatches(s, new Date("2026-02-01T00:00:00Z"))).toBe(true); // the 1st (a Sunday too)
    expect(cronMatches(s, new Date("2026-02-08T00:00:00Z"))).toBe(true); // a Sunday
    expect(cronMatches(s, new Date("2026-02-03T00:00:00Z"))).toBe(false);
  });

  it("refuses malformed expressions with a message", () => {
    expect(() => parseCron("* * * *")).toThrow(/5 fields/);
    expect(() => parseCron("61 * * * *")).toThrow(/out of range/);
    expect(() => parseCron("*/0 * * * *")).toThrow(/out of range/);
    expect(() => parseCron("x * * * *")).toThrow(/not understood/);
  });
});

describe("rare schedules", () => {
  it("finds a leap day years ahead, quickly", () => {
    const started = performance.now();
    expect(nextRun(parseCron("0 12 29 2 *"), new Date("2026-03-01T00:00:00Z")).toISOString()).toBe("2028-02-29T12:00:00.000Z");
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("steps over month ends and hours without skipping a match", () => {
    expect(nextRun(parseCron("15 0 31 * *"), new Date("2026-04-30T23:59:00Z")).toISOString()).toBe("2026-05-31T00:15:00.000Z");
    expect(nextRun(parseCron("*/20 22-23 * 12 *"), new Date("2026-12-31T23:45:00Z")).toISOString()).toBe("2027-12-01T22:00:00.000Z");
  });
});
