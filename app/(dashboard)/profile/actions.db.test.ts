import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { actionContext, formOf } from "@/lib/tooling/testing/server-actions";
import { createUser, getUser } from "@/lib/users/users";
import { setTimeZoneAction } from "./actions";

// Next's request context only (see lib/tooling/testing/server-actions.ts).
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/lib/app/session", async () => (await import("@/lib/tooling/testing/server-actions")).sessionStandIn);
vi.mock("@/lib/app/deps", async () => ({ getAppDb: (await import("@/lib/tooling/testing/server-actions")).appDb }));

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  actionContext.db = t.db;
  actionContext.user = await createUser(t.db, { email: "marketer@profile-actions.test", password: "correct horse battery", role: "marketer" });
});
afterAll(() => t.drop());

describe("the profile's time zone action (issue 14.9)", () => {
  it("sets the signed-in user's own zone, any role, and goes back to the browser's", async () => {
    await expect(setTimeZoneAction(null, formOf({ timeZone: "Asia/Tokyo" }))).resolves.toEqual({ ok: true, message: "Times are now shown in Asia/Tokyo." });
    expect((await getUser(t.db, actionContext.user!.id))!.timeZone).toBe("Asia/Tokyo");
    await expect(setTimeZoneAction(null, formOf({ timeZone: "browser" }))).resolves.toEqual({ ok: true, message: "Times are now shown in your browser's time zone." });
    expect((await getUser(t.db, actionContext.user!.id))!.timeZone).toBeNull();
  });

  it("answers an unknown zone or a missing field on the field, changing nothing", async () => {
    await expect(setTimeZoneAction(null, formOf({ timeZone: "Atlantis/Capital" }))).resolves.toMatchObject({ ok: false, fieldErrors: { timeZone: expect.stringContaining("Unknown time zone") } });
    await expect(setTimeZoneAction(null, formOf({}))).resolves.toMatchObject({ ok: false, fieldErrors: { timeZone: expect.any(String) } });
    expect((await getUser(t.db, actionContext.user!.id))!.timeZone).toBeNull();
  });
});
