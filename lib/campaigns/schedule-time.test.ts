import { describe, expect, it } from "vitest";
import { canonicalTimeZone, formatInTimeZone, splitLocalDateTime, zonedTimeToInstant } from "./schedule-time";

const at = (date: string, time: string, timeZone: string) => zonedTimeToInstant({ date, time, timeZone }).toISOString();

describe("zonedTimeToInstant", () => {
  it("09:00 on 1 April in Europe/Berlin is 07:00Z (summer time), whenever it is chosen", () => {
    // The old form sent March's offset (-60) and made this 08:00Z; the zone's rule for the target date decides.
    expect(at("2026-04-01", "09:00", "Europe/Berlin")).toBe("2026-04-01T07:00:00.000Z");
    expect(at("2026-03-01", "09:00", "Europe/Berlin")).toBe("2026-03-01T08:00:00.000Z");
  });

  it("uses each zone's own rules: southern hemisphere, half-hour offsets, UTC", () => {
    expect(at("2026-01-15", "09:00", "Australia/Sydney")).toBe("2026-01-14T22:00:00.000Z");
    expect(at("2026-07-15", "09:00", "Australia/Sydney")).toBe("2026-07-14T23:00:00.000Z");
    expect(at("2026-06-01", "09:00", "Asia/Kolkata")).toBe("2026-06-01T03:30:00.000Z");
    expect(at("2026-06-01", "09:00", "America/New_York")).toBe("2026-06-01T13:00:00.000Z");
    expect(at("2026-06-01", "09:00", "UTC")).toBe("2026-06-01T09:00:00.000Z");
  });

  it("a time in the spring-forward gap moves forward by the gap (02:30 → 03:30 summer time)", () => {
    // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 never shows on a clock there.
    expect(at("2026-03-29", "02:30", "Europe/Berlin")).toBe("2026-03-29T01:30:00.000Z");
    expect(formatInTimeZone(new Date("2026-03-29T01:30:00Z"), "Europe/Berlin")).toContain("03:30");
    expect(at("2026-03-29", "01:59", "Europe/Berlin")).toBe("2026-03-29T00:59:00.000Z");
    expect(at("2026-03-29", "03:00", "Europe/Berlin")).toBe("2026-03-29T01:00:00.000Z");
    // New York, 8 March 2026: 02:00 EST → 03:00 EDT.
    expect(at("2026-03-08", "02:15", "America/New_York")).toBe("2026-03-08T07:15:00.000Z");
  });

  it("a time in the fall-back overlap is its first occurrence, still in summer time", () => {
    // Berlin, 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30Z and 01:30Z.
    expect(at("2026-10-25", "02:30", "Europe/Berlin")).toBe("2026-10-25T00:30:00.000Z");
    expect(at("2026-10-25", "03:00", "Europe/Berlin")).toBe("2026-10-25T02:00:00.000Z");
    expect(at("2026-10-25", "01:59", "Europe/Berlin")).toBe("2026-10-24T23:59:00.000Z");
    expect(at("2026-11-01", "01:30", "America/New_York")).toBe("2026-11-01T05:30:00.000Z");
  });

  it("refuses an unknown zone, and fixed offsets, with a clear error", () => {
    expect(() => at("2026-04-01", "09:00", "Mars/Olympus_Mons")).toThrow(expect.objectContaining({ code: "unknown_time_zone", status: 422, message: expect.stringContaining("Mars/Olympus_Mons") }));
    expect(() => at("2026-04-01", "09:00", "+01:00")).toThrow(expect.objectContaining({ code: "unknown_time_zone" }));
    expect(() => at("2026-04-01", "09:00", "")).toThrow(expect.objectContaining({ code: "unknown_time_zone" }));
  });

  it("refuses malformed and impossible dates and times", () => {
    for (const [date, time] of [["2026-02-30", "09:00"], ["2026-13-01", "09:00"], ["2026-04-01", "24:00"], ["2026-04-01", "09:60"], ["1 April", "09:00"], ["2026-04-01", "9am"]]) {
      expect(() => at(date, time, "UTC"), `${date} ${time}`).toThrow(expect.objectContaining({ code: "invalid_schedule", status: 422 }));
    }
  });
});

describe("canonicalTimeZone and splitLocalDateTime", () => {
  it("canonicalises zone names", () => {
    expect(canonicalTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(canonicalTimeZone(" UTC ")).toBe("UTC");
  });

  it("splits what datetime-local sends, and refuses anything else", () => {
    expect(splitLocalDateTime("2026-04-01T09:00")).toEqual({ date: "2026-04-01", time: "09:00" });
    expect(splitLocalDateTime("2026-04-01T09:00:00")).toEqual({ date: "2026-04-01", time: "09:00" });
    expect(() => splitLocalDateTime("2026-04-01 09:00Z")).toThrow(expect.objectContaining({ code: "invalid_schedule" }));
  });
});
