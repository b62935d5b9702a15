import { describe, expect, it, vi } from "vitest";
import { createContact } from "@/lib/contacts/contacts";
import { actionContext, formOf } from "@/lib/tooling/testing/server-actions";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { createUser } from "@/lib/users/users";
import { sendSingleEmailAction } from "./actions";

// Next's request context only (session, revalidation) and the wiring from env; parsing and lib/ run for real.
const bed = useSendingTestbed();
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/lib/app/session", async () => (await import("@/lib/tooling/testing/server-actions")).sessionStandIn);
vi.mock("@/lib/app/deps", async (original) => ({
  ...(await original<object>()),
  getAppDb: (await import("@/lib/tooling/testing/server-actions")).appDb,
  getSendingDeps: () => bed.fixture.deps,
}));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ POSTMARK_FROM_EMAIL: "app@postline.test" }) }));

async function signIn() {
  actionContext.db = bed.t.db;
  actionContext.user ??= await createUser(bed.t.db, { email: "m@actions.test", name: "M", password: "correct horse battery", role: "marketer" });
}

const lastRecord = () => sandboxRecords(bed.fixture.sandbox).at(-1)!;

describe("sendSingleEmailAction (issue 13.15)", () => {
  it("personalizes from the contact and tracks what the ticked boxes say", async () => {
    await signIn();
    await createContact(bed.t.db, { email: "lin@form.test", name: "Lin" });
    const tracked = await sendSingleEmailAction(null, formOf({ to: "lin@form.test", subject: "Hello {{ name }}", text: "Hi {{ name }}", track_opens: "on", track_links: "on" }));
    expect(tracked).toMatchObject({ ok: true });
    expect(lastRecord()).toMatchObject({ subject: "Hello Lin", textBody: "Hi Lin", trackOpens: true, trackLinks: "HtmlAndText" });
    // An unticked checkbox is not in the form at all.
    expect(await sendSingleEmailAction(null, formOf({ to: "lin@form.test", subject: "s", text: "t" }))).toMatchObject({ ok: true });
    expect(lastRecord()).toMatchObject({ trackOpens: false, trackLinks: "None" });
  });

  it("an unknown variable is the field's error, and nothing is sent", async () => {
    await signIn();
    const before = sandboxRecords(bed.fixture.sandbox).length;
    const result = await sendSingleEmailAction(null, formOf({ to: "lin@form.test", subject: "Hi {{ first_name }}", text: "t", track_opens: "on" }));
    expect(result).toMatchObject({ ok: false, fieldErrors: { subject: expect.stringContaining('Unknown personalization variable "first_name"') } });
    expect(sandboxRecords(bed.fixture.sandbox).length).toBe(before);
  });
});
