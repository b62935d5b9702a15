import { describe, expect, it } from "vitest";
import { segmentDefinitionSchema } from "@/lib/segments/definition";
import { fromDefinition, newCondition, toDefinition } from "./draft";

const A = "11111111-1111-4111-8111-111111111111";

describe("the builder's draft and the definition", () => {
  it("every condition the builder edits comes back as it went in", () => {
    const definition = {
      match: "any" as const,
      conditions: [
        { type: "lists", op: "none", list_ids: [A] },
        { type: "tags", op: "all", tag_ids: [A] },
        { type: "field", key: "city", op: "contains", value: "ber" },
        { type: "field", key: "age", op: "gte", value: 18 },
        { type: "field", key: "renews", op: "before", value: "2025-01-01" },
        { type: "field", key: "renews", op: "within_last_days", days: 7 },
        { type: "field", key: "plan", op: "is_set" },
        { type: "status", op: "is_not", values: ["bounced", "complained"] },
        { type: "created", op: "between", from: "2025-01-01", to: "2025-01-31" },
        { type: "created", op: "after", value: "2025-02-01" },
        { type: "created", op: "within_last_days", days: 30 },
        { type: "form", op: "any", form_ids: [A] },
        { type: "form", op: "none", form_ids: [A], days: 30 },
        { type: "engagement", op: "not_opened_within_days", days: 90 },
        { type: "engagement", op: "never_opened" },
      ],
    };
    expect(segmentDefinitionSchema.parse(definition)).toEqual(definition);
    expect(toDefinition(fromDefinition(definition))).toEqual(definition);
  });

  it("what is typed goes to the server as typed, so a wrong operand is refused under its condition", () => {
    const draft = fromDefinition({ match: "all", conditions: [{ type: "field", key: "age", op: "gt", value: 3 }, { type: "engagement", op: "opened_within_days", days: 7 }] });
    draft.conditions[0].value = "many";
    draft.conditions[1].days = "1.5";
    expect(toDefinition(draft).conditions).toEqual([{ type: "field", key: "age", op: "gt", value: "many" }, { type: "engagement", op: "opened_within_days", days: "1.5" }]);
    expect(segmentDefinitionSchema.safeParse(toDefinition(draft)).error?.issues.map((i) => i.path.join("."))).toEqual(["conditions.0.value", "conditions.1.days"]);
  });

  it("a new form condition has no days (ever); days typed are sent, blank days are left out", () => {
    const draft = { match: "all" as const, conditions: [newCondition("form", { lists: [], tags: [], fieldKeys: [] })] };
    draft.conditions[0].ids = [A];
    expect(toDefinition(draft).conditions).toEqual([{ type: "form", op: "any", form_ids: [A] }]);
    draft.conditions[0].days = "14";
    expect(toDefinition(draft).conditions).toEqual([{ type: "form", op: "any", form_ids: [A], days: 14 }]);
  });

  it("nested groups are flagged, not edited", () => {
    expect(fromDefinition({ match: "all", conditions: [{ match: "any", conditions: [] }] })).toMatchObject({ nested: true, conditions: [] });
  });
});
