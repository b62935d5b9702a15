import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { profileTimeZones, setUserTimeZone } from "./time-zone";
import { createUser, getUser } from "./users";

let t: TestDatabase;
let userId: string;
const now = new Date("2026-03-10T12:00:00Z");
beforeAll(async () => {
  t = await createTestDatabase();
  userId = (await createUser(t.db, { email: "tz@profile.test", password: "correct horse battery", role: "marketer" })).id;
});
afterAll(() => t.drop());

describe("a user's time zone preference", () => {
  it("is the browser's (null) for a new user", async () => {
    expect((await getUser(t.db, userId))!.timeZone).toBeNull();
  });

  it("stores a zone by its canonical IANA name, whatever its case, and goes back to the browser's", async () => {
    await expect(setUserTimeZone(t.db, { userId, timeZone: " europe/berlin " }, now)).resolves.toEqual({ timeZone: "Europe/Berlin" });
    expect(await getUser(t.db, userId)).toMatchObject({ timeZone: "Europe/Berlin", updatedAt: now });
    await expect(setUserTimeZone(t.db, { userId, timeZone: "UTC" }, now)).resolves.toEqual({ timeZone: "UTC" });
    await expect(setUserTimeZone(t.db, { userId, timeZone: "browser" }, now)).resolves.toEqual({ timeZone: null });
    expect((await getUser(t.db, userId))!.timeZone).toBeNull();
  });

  it("refuses what is not a zone (unknown names, offsets, wrong types, empty), changing nothing", async () => {
    await setUserTimeZone(t.db, { userId, timeZone: "Asia/Tokyo" }, now);
    for (const bad of ["Mars/Olympus_Mons", "+01:00", "", "   ", 42, null, ["Europe/Berlin"], "x".repeat(100)]) {
      await expect(setUserTimeZone(t.db, { userId, timeZone: bad }, now), JSON.stringify(bad)).rejects.toMatchObject({ code: "unknown_time_zone", status: 422 });
    }
    expect((await getUser(t.db, userId))!.timeZone).toBe("Asia/Tokyo");
  });

  it("is not_found for an unknown user", async () => {
    await expect(setUserTimeZone(t.db, { userId: "00000000-0000-4000-8000-000000000000", timeZone: "UTC" }, now)).rejects.toMatchObject({ code: "not_found" });
  });

  it("offers every zone of the runtime and UTC", () => {
    const zones = profileTimeZones();
    expect(zones).toContain("UTC");
    expect(zones).toContain("America/New_York");
    expect(zones.length).toBeGreaterThan(300);
  });
});
