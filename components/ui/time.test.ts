import { describe, expect, it } from "vitest";
import { dayInZone, formatTime } from "./time";

describe("formatTime: the one time formatter", () => {
  it("shows the wall clock of the zone with its name, and UTC to the second for the hover", () => {
    const at = new Date("2026-03-14T23:30:05.250Z");
    expect(formatTime(at, "Europe/Berlin")).toEqual({ text: "2026-03-15 00:30 GMT+1", utc: "2026-03-14 23:30:05 UTC", iso: "2026-03-14T23:30:05.250Z" });
    expect(formatTime(at, "UTC").text).toBe("2026-03-14 23:30 UTC");
    expect(formatTime(at.toISOString(), "America/New_York").text).toBe("2026-03-14 19:30 EDT");
    expect(formatTime(at, "Asia/Kolkata").text).toBe("2026-03-15 05:00 GMT+5:30");
  });

  it("follows daylight saving time on the instant's own date", () => {
    expect(formatTime(new Date("2026-01-15T12:00:00Z"), "Europe/Berlin").text).toBe("2026-01-15 13:00 GMT+1");
    expect(formatTime(new Date("2026-07-15T12:00:00Z"), "Europe/Berlin").text).toBe("2026-07-15 14:00 GMT+2");
  });

  it("writes midnight as 00", () => {
    expect(formatTime(new Date("2026-03-15T00:00:00Z"), "UTC").text).toBe("2026-03-15 00:00 UTC");
    expect(dayInZone(new Date("2026-03-15T00:00:00Z"), "America/New_York")).toBe("2026-03-14");
  });
});
