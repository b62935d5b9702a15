import { describe, expect, it } from "vitest";
import { ACTIVITY_BUCKETS, bucketOrigin, chooseActivityBucket, MAX_BARS, timeZoneOffsetMs } from "./activity";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("choosing the chart's bucket from the campaign's age", () => {
  it("uses minutes in the first hours, then hours, then days", () => {
    expect(chooseActivityBucket(0).label).toBe("1 minute");
    expect(chooseActivityBucket(30 * 1000).label).toBe("1 minute");
    expect(chooseActivityBucket(45 * MIN).label).toBe("1 minute");
    expect(chooseActivityBucket(60 * MIN).label).toBe("1 minute");
    expect(chooseActivityBucket(61 * MIN).label).toBe("2 minutes");
    expect(chooseActivityBucket(3 * HOUR).label).toBe("5 minutes");
    expect(chooseActivityBucket(6 * HOUR).label).toBe("10 minutes");
    expect(chooseActivityBucket(12 * HOUR).label).toBe("15 minutes");
    expect(chooseActivityBucket(24 * HOUR).label).toBe("30 minutes");
    expect(chooseActivityBucket(48 * HOUR).label).toBe("1 hour");
    expect(chooseActivityBucket(3 * DAY).label).toBe("2 hours");
    expect(chooseActivityBucket(7 * DAY).label).toBe("3 hours");
    expect(chooseActivityBucket(14 * DAY).label).toBe("6 hours");
    expect(chooseActivityBucket(30 * DAY).label).toBe("12 hours");
    expect(chooseActivityBucket(45 * DAY).label).toBe("1 day");
    expect(chooseActivityBucket(90 * DAY).label).toBe("2 days");
    expect(chooseActivityBucket(365 * DAY).label).toBe("7 days");
  });

  it("keeps every range between 24 and 60 bars once it is longer than an hour", () => {
    for (let range = 61 * MIN; range < 3 * 365 * DAY; range = Math.ceil(range * 1.07)) {
      const b = chooseActivityBucket(range);
      const bars = Math.ceil(range / b.ms);
      expect(bars, `${range} ms in ${b.label} bars`).toBeLessThanOrEqual(MAX_BARS);
      expect(bars, `${range} ms in ${b.label} bars`).toBeGreaterThanOrEqual(24);
    }
  });

  it("never goes below a floor it is given (a large campaign's hourly rows)", () => {
    expect(chooseActivityBucket(45 * MIN, HOUR).label).toBe("1 hour");
    expect(chooseActivityBucket(24 * HOUR, HOUR).label).toBe("1 hour");
    expect(chooseActivityBucket(3 * DAY, HOUR).label).toBe("2 hours");
  });

  it("lists sizes in increasing order, each within 2.5 times the one before", () => {
    for (let i = 1; i < ACTIVITY_BUCKETS.length; i++) {
      expect(ACTIVITY_BUCKETS[i].ms).toBeGreaterThan(ACTIVITY_BUCKETS[i - 1].ms);
      expect(ACTIVITY_BUCKETS[i].ms / ACTIVITY_BUCKETS[i - 1].ms).toBeLessThanOrEqual(2.5);
    }
  });
});

describe("where bars begin", () => {
  it("at UTC midnight without a time zone, at the zone's midnight with one", () => {
    const at = new Date("2026-01-15T10:20:00Z");
    expect(new Date(bucketOrigin(at)).toISOString()).toBe("2026-01-15T00:00:00.000Z");
    expect(new Date(bucketOrigin(at, "Europe/Berlin")).toISOString()).toBe("2026-01-14T23:00:00.000Z");
    expect(new Date(bucketOrigin(at, "America/New_York")).toISOString()).toBe("2026-01-15T05:00:00.000Z");
    expect(timeZoneOffsetMs(new Date("2026-07-01T00:00:00Z"), "Asia/Kolkata")).toBe(5.5 * HOUR);
  });
});
