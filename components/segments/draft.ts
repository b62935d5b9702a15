/**
 * The builder's editable form of a segment: every input as typed (text, even for numbers), turned
 * into the definition JSON on each change. A value that is not what its operator needs (a word where
 * a number goes) is sent as typed, so the server's message appears under that condition.
 */

export type DraftCondition = {
  uid: string;
  type: "lists" | "tags" | "field" | "status" | "created" | "form" | "engagement";
  op: string;
  ids: string[];
  key: string;
  value: string;
  days: string;
  from: string;
  to: string;
  statuses: string[];
};

export type DraftSegment = { match: "all" | "any"; conditions: DraftCondition[]; nested?: boolean };

let counter = 0;
const uid = () => `c${++counter}-${Date.now().toString(36)}`;
const blank = (type: DraftCondition["type"], op: string): DraftCondition => ({ uid: uid(), type, op, ids: [], key: "", value: "", days: "30", from: "", to: "", statuses: [] });

export const OPS: Record<DraftCondition["type"], { value: string; label: string }[]> = {
  lists: [
    { value: "any", label: "is in any of" },
    { value: "none", label: "is in none of" },
  ],
  tags: [
    { value: "any", label: "has any of" },
    { value: "all", label: "has all of" },
    { value: "none", label: "has none of" },
  ],
  field: [
    { value: "equals", label: "equals" },
    { value: "not_equals", label: "does not equal" },
    { value: "contains", label: "contains" },
    { value: "is_set", label: "is set" },
    { value: "is_not_set", label: "is not set" },
    { value: "gt", label: "is a number >" },
    { value: "gte", label: "is a number ≥" },
    { value: "lt", label: "is a number <" },
    { value: "lte", label: "is a number ≤" },
    { value: "before", label: "is a date before" },
    { value: "after", label: "is a date after" },
    { value: "within_last_days", label: "is a date in the last … days" },
  ],
  status: [
    { value: "is", label: "is" },
    { value: "is_not", label: "is not" },
  ],
  created: [
    { value: "within_last_days", label: "in the last … days" },
    { value: "between", label: "between" },
    { value: "after", label: "after" },
    { value: "before", label: "before" },
  ],
  form: [
    { value: "any", label: "signed up through any of" },
    { value: "none", label: "did not sign up through any of" },
  ],
  engagement: [
    { value: "opened_within_days", label: "opened a campaign in the last … days" },
    { value: "clicked_within_days", label: "clicked a campaign in the last … days" },
    { value: "not_opened_within_days", label: "opened no campaign in the last … days" },
    { value: "not_clicked_within_days", label: "clicked no campaign in the last … days" },
    { value: "never_opened", label: "never opened a campaign sent to them" },
  ],
};

export const TYPE_LABELS: Record<DraftCondition["type"], string> = { lists: "Lists", tags: "Tags", field: "Custom field", status: "Status", created: "Signed up", form: "Signed up through a form", engagement: "Engagement" };

export function newCondition(type: DraftCondition["type"], ctx: { lists: { id: string }[]; tags: { id: string }[]; fieldKeys: string[] }): DraftCondition {
  const c = blank(type, OPS[type][0].value);
  if (type === "field") c.key = ctx.fieldKeys[0] ?? "";
  if (type === "status") c.statuses = ["subscribed"];
  // A form's days are optional: blank is "ever".
  if (type === "form") c.days = "";
  return c;
}

const number = (v: string) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);
const whole = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : v);

export function toCondition(c: DraftCondition): Record<string, unknown> {
  switch (c.type) {
    case "lists":
      return { type: "lists", op: c.op, list_ids: c.ids };
    case "tags":
      return { type: "tags", op: c.op, tag_ids: c.ids };
    case "status":
      return { type: "status", op: c.op, values: c.statuses };
    case "created":
      if (c.op === "between") return { type: "created", op: "between", from: c.from, to: c.to };
      if (c.op === "after" || c.op === "before") return { type: "created", op: c.op, value: c.value };
      return { type: "created", op: c.op, days: whole(c.days) };
    case "form":
      return c.days.trim() === "" ? { type: "form", op: c.op, form_ids: c.ids } : { type: "form", op: c.op, form_ids: c.ids, days: whole(c.days) };
    case "engagement":
      return c.op === "never_opened" ? { type: "engagement", op: c.op } : { type: "engagement", op: c.op, days: whole(c.days) };
    case "field":
      if (c.op === "is_set" || c.op === "is_not_set") return { type: "field", key: c.key, op: c.op };
      if (c.op === "within_last_days") return { type: "field", key: c.key, op: c.op, days: whole(c.days) };
      if (["gt", "gte", "lt", "lte"].includes(c.op)) return { type: "field", key: c.key, op: c.op, value: number(c.value) };
      return { type: "field", key: c.key, op: c.op, value: c.value };
  }
}

export function toDefinition(d: DraftSegment) {
  return { match: d.match, conditions: d.conditions.map(toCondition) };
}

/** A stored definition into the builder (top-level conditions; nested groups are flagged, not edited). */
export function fromDefinition(definition: unknown): DraftSegment {
  const def = definition as { match?: string; conditions?: Record<string, unknown>[] };
  const conditions: DraftCondition[] = [];
  let nested = false;
  for (const raw of def.conditions ?? []) {
    if ("match" in raw) {
      nested = true;
      continue;
    }
    const type = raw.type as DraftCondition["type"];
    const c = blank(type, String(raw.op));
    c.ids = ((raw.list_ids ?? raw.tag_ids ?? raw.form_ids ?? []) as string[]).slice();
    c.statuses = ((raw.values ?? []) as string[]).slice();
    c.key = String(raw.key ?? "");
    c.value = raw.value === undefined ? "" : String(raw.value);
    c.days = raw.days === undefined ? (type === "form" ? "" : "30") : String(raw.days);
    c.from = String(raw.from ?? "");
    c.to = String(raw.to ?? "");
    conditions.push(c);
  }
  return { match: def.match === "any" ? "any" : "all", conditions, nested };
}
