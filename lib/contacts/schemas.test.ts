import { describe, expect, it } from "vitest";
import { contactInputSchema, contactPatchSchema } from "./contacts";

describe("contact input schemas", () => {
  it("names the custom field whose name is wrong, in the API and the form", () => {
    for (const schema of [contactPatchSchema, contactInputSchema.pick({ fields: true })]) {
      const result = schema.safeParse({ fields: { city: "Oslo", "not ok": "x" } });
      expect(result.success).toBe(false);
      expect(result.error!.issues.map((i) => i.message)).toEqual(['"not ok": Field names are letters, digits and underscores (up to 64), not starting with a digit']);
    }
  });

  it("a patch is strict: unknown keys and statuses other than subscribed/unsubscribed are refused", () => {
    expect(contactPatchSchema.safeParse({ nickname: "x" }).success).toBe(false);
    expect(contactPatchSchema.safeParse({ status: "bounced" }).success).toBe(false);
    expect(contactPatchSchema.parse({ name: " Ada ", fields: { city: "London" }, status: "unsubscribed" })).toEqual({ name: "Ada", fields: { city: "London" }, status: "unsubscribed" });
  });
});
