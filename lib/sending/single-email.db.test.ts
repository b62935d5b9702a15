import { describe, expect, it } from "vitest";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { sendSingleEmail } from "./single-email";

const bed = useSendingTestbed();

describe("single emails (real PostgreSQL + Postmark sandbox)", () => {
  it("sends on the transactional stream and stores the MessageID", async () => {
    const m = await sendSingleEmail(bed.t.db, bed.fixture.deps, { to: "one@single.test", from: "me@postline.test", subject: "Receipt", html: "<p>Thanks</p>", metadata: { order: "42" } });
    expect(m).toMatchObject({ kind: "single", status: "sent", messageStream: "outbound" });
    const record = sandboxRecords(bed.fixture.sandbox).find((r) => r.messageId === m.postmarkMessageId)!;
    expect(record).toMatchObject({ to: "one@single.test", stream: "outbound", metadata: { order: "42", postline_message_id: m.id } });
    expect(record.textBody).toBe("Thanks");
  });

  it("marks a 406 as failed with Postmark's code", async () => {
    bed.fixture.sandbox.markInactive("dead@single.test", "outbound");
    const m = await sendSingleEmail(bed.t.db, bed.fixture.deps, { to: "dead@single.test", from: "me@postline.test", subject: "x", text: "x" });
    expect(m).toMatchObject({ status: "failed", errorCode: 406 });
  });
});
