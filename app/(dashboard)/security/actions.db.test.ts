import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { actionContext, formOf } from "@/lib/tooling/testing/server-actions";
import { createUser } from "@/lib/users/users";
import { acknowledgeAlertAction, acknowledgeSuspiciousAction } from "./actions";

// Next's request context only (see lib/tooling/testing/server-actions.ts).
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/lib/app/session", async () => (await import("@/lib/tooling/testing/server-actions")).sessionStandIn);
vi.mock("@/lib/app/deps", async () => ({ getAppDb: (await import("@/lib/tooling/testing/server-actions")).appDb }));

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  actionContext.db = t.db;
  actionContext.user = await createUser(t.db, { email: "admin@security-actions.test", password: "correct horse battery", role: "admin" });
});
afterAll(() => t.drop());

describe("security actions: bad input is the form's error (issue 13.13)", () => {
  it("a date that is not one is a field error, not an Invalid Date in SQL", async () => {
    await expect(acknowledgeSuspiciousAction(null, formOf({ reason: "", ip: "", from: "yesterday-ish" }))).resolves.toMatchObject({ ok: false, fieldErrors: { from: "Not a valid date" } });
    await expect(acknowledgeSuspiciousAction(null, formOf({ reason: "x".repeat(500) }))).resolves.toMatchObject({ ok: false, fieldErrors: { reason: expect.any(String) } });
    await expect(acknowledgeSuspiciousAction(null, formOf({ reason: "", ip: "", from: new Date().toISOString() }))).resolves.toMatchObject({ ok: true });
  });

  it("a forged alert id is 'Unknown alert'", async () => {
    await expect(acknowledgeAlertAction(null, formOf({ alertId: "1; drop table alerts" }))).resolves.toEqual({ ok: false, error: "Unknown alert" });
  });
});
