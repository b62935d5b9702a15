import { describe, expect, it } from "vitest";
import { delayMs, nextWindowTime, recipientTimeZone } from "./schedule";

const weekdays9to17 = { days: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 };

describe("sequence schedule", () => {
  it("counts delays in minutes, hours and days (a day is 24 hours)", () => {
    expect(delayMs({ amount: 5, unit: "minutes" })).toBe(300_000);
    expect(delayMs({ amount: 2, unit: "hours" })).toBe(7_200_000);
    expect(delayMs({ amount: 3, unit: "days" })).toBe(259_200_000);
  });

  it("keeps an instant inside the window and moves one outside to the next opening", () => {
    // Wednesday 2026-11-25
    expect(nextWindowTime(new Date("2026-11-25T10:30:00Z"), weekdays9to17, "UTC").toISOString()).toBe("2026-11-25T10:30:00.000Z");
    expect(nextWindowTime(new Date("2026-11-25T07:00:00Z"), weekdays9to17, "UTC").toISOString()).toBe("2026-11-25T09:00:00.000Z");
    expect(nextWindowTime(new Date("2026-11-25T17:00:00Z"), weekdays9to17, "UTC").toISOString()).toBe("2026-11-26T09:00:00.000Z");
    // Friday evening → Monday morning
    expect(nextWindowTime(new Date("2026-11-27T18:00:00Z"), weekdays9to17, "UTC").toISOString()).toBe("2026-11-30T09:00:00.000Z");
  });

  it("reads the window on the wall clock of the time zone, across a daylight-saving change", () => {
    // 06:00 UTC on Wed 25 Nov is 07:00 in Berlin (winter): opens at 09:00 Berlin = 08:00 UTC.
    expect(nextWindowTime(new Date("2026-11-25T06:00:00Z"), weekdays9to17, "Europe/Berlin").toISOString()).toBe("2026-11-25T08:00:00.000Z");
    // Sat 28 Mar 2026 → Monday 30 Mar, summer time: 09:00 Berlin = 07:00 UTC.
    expect(nextWindowTime(new Date("2026-03-28T12:00:00Z"), weekdays9to17, "Europe/Berlin").toISOString()).toBe("2026-03-30T07:00:00.000Z");
    // A window to midnight.
    expect(nextWindowTime(new Date("2026-11-25T23:30:00Z"), { days: [3], startHour: 20, endHour: 24 }, "UTC").toISOString()).toBe("2026-11-25T23:30:00.000Z");
  });

  it("takes a contact's time_zone field only when it is a real zone", () => {
    expect(recipientTimeZone({ time_zone: "America/New_York" }, "UTC")).toBe("America/New_York");
    expect(recipientTimeZone({ time_zone: "Mars/Olympus" }, "Europe/Paris")).toBe("Europe/Paris");
    expect(recipientTimeZone({ time_zone: "+02:00" }, "UTC")).toBe("UTC");
    expect(recipientTimeZone({}, "UTC")).toBe("UTC");
  });
});
