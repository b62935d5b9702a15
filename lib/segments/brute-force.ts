import { daysBefore, instantOf, utcDay } from "./compile";
import { isGroup, type FieldCondition, type SegmentCondition, type SegmentGroup } from "./definition";

/**
 * Tests only: the meaning of a segment written plainly in TypeScript over contacts loaded whole, the
 * twin that lib/segments/compile.ts's SQL must agree with (segments.db.test.ts compares both on one
 * seed). Keep the two in step when a condition changes.
 */
export interface BruteContact {
  id: string;
  status: string;
  fields: Record<string, string>;
  createdAt: Date;
  listIds: string[];
  tagIds: string[];
  signups: { formId: string; confirmedAt: Date | null }[];
  messages: { campaign: boolean; sentAt: Date | null; firstHumanOpenedAt: Date | null; firstHumanClickedAt: Date | null }[];
}

const NUMBER = /^\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?\s*$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}/;

function matchField(c: FieldCondition, contact: BruteContact, now: Date): boolean {
  const value = contact.fields[c.key];
  switch (c.op) {
    case "equals":
      return value === c.value;
    case "not_equals":
      return value !== c.value;
    case "contains":
      return value !== undefined && value.toLowerCase().includes(c.value.toLowerCase());
    case "is_set":
      return value !== undefined && value !== "";
    case "is_not_set":
      return value === undefined || value === "";
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      if (value === undefined || value.length > 60 || !NUMBER.test(value)) return false;
      const n = Number(value.trim());
      return c.op === "gt" ? n > c.value : c.op === "gte" ? n >= c.value : c.op === "lt" ? n < c.value : n <= c.value;
    }
    default: {
      if (value === undefined || !DATE.test(value)) return false;
      const day = value.slice(0, 10);
      if (c.op === "within_last_days") return day >= utcDay(daysBefore(now, c.days)) && day <= utcDay(now);
      return c.op === "before" ? day < c.value : day > c.value;
    }
  }
}

function matchCondition(c: SegmentCondition, contact: BruteContact, now: Date): boolean {
  switch (c.type) {
    case "lists": {
      const inAny = c.list_ids.some((id) => contact.listIds.includes(id));
      return c.op === "any" ? inAny : !inAny;
    }
    case "tags":
      if (c.op === "any") return c.tag_ids.some((id) => contact.tagIds.includes(id));
      if (c.op === "all") return c.tag_ids.every((id) => contact.tagIds.includes(id));
      return !c.tag_ids.some((id) => contact.tagIds.includes(id));
    case "field":
      return matchField(c, contact, now);
    case "status":
      return c.op === "is" ? c.values.includes(contact.status as never) : !c.values.includes(contact.status as never);
    case "created":
      if (c.op === "after") return contact.createdAt > new Date(instantOf(c.value));
      if (c.op === "before") return contact.createdAt < new Date(instantOf(c.value));
      if (c.op === "within_last_days") return contact.createdAt >= daysBefore(now, c.days);
      return contact.createdAt >= new Date(`${c.from}T00:00:00Z`) && contact.createdAt < new Date(Date.parse(`${c.to}T00:00:00Z`) + 86_400_000);
    case "form": {
      const since = c.days === undefined ? null : daysBefore(now, c.days);
      const signedUp = contact.signups.some((s) => c.form_ids.includes(s.formId) && s.confirmedAt !== null && (since === null || s.confirmedAt >= since));
      return c.op === "any" ? signedUp : !signedUp;
    }
    case "engagement": {
      const campaign = contact.messages.filter((m) => m.campaign);
      if (c.op === "never_opened") return campaign.some((m) => m.sentAt) && !campaign.some((m) => m.firstHumanOpenedAt);
      const since = daysBefore(now, c.days);
      const engaged = campaign.some((m) => {
        const at = c.op === "opened_within_days" || c.op === "not_opened_within_days" ? m.firstHumanOpenedAt : m.firstHumanClickedAt;
        return at !== null && at >= since;
      });
      return c.op.startsWith("not_") ? !engaged : engaged;
    }
  }
}

export function bruteForceMatches(group: SegmentGroup, contact: BruteContact, now: Date): boolean {
  if (contact.status === "pending") return false;
  return matchGroup(group, contact, now);
}

function matchGroup(group: SegmentGroup, contact: BruteContact, now: Date): boolean {
  if (group.conditions.length === 0) return true;
  const results = group.conditions.map((node) => (isGroup(node) ? matchGroup(node, contact, now) : matchCondition(node, contact, now)));
  return group.match === "all" ? results.every(Boolean) : results.some(Boolean);
}
