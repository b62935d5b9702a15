import { describe, expect, it } from "vitest";
import { describeDefinition } from "./describe";

const A = "11111111-1111-4111-8111-111111111111";
const B = "22222222-2222-4222-8222-222222222222";

describe("describeDefinition: a segment in words", () => {
  it("form conditions name the forms, with the window when there is one", () => {
    const names = new Map([
      [A, "Newsletter"],
      [B, "Webinar"],
    ]);
    expect(describeDefinition({ match: "all", conditions: [{ type: "form", op: "any", form_ids: [A, B] }, { type: "form", op: "none", form_ids: [B], days: 30 }] }, names)).toBe(
      'signed up through form "Newsletter" or "Webinar" and not signed up through form "Webinar" in the last 30 days',
    );
    expect(describeDefinition({ match: "any", conditions: [{ type: "status", op: "is", values: ["subscribed"] }, { match: "all", conditions: [{ type: "form", op: "any", form_ids: [A], days: 7 }] }] }, names)).toBe(
      'status is subscribed or (signed up through form "Newsletter" in the last 7 days)',
    );
  });
});
