import { describeCondition, isGroup, type SegmentGroup } from "./definition";

/** A definition in one line of words ("status is subscribed and …"), for lists of segments; ids stay ids. */
export function describeDefinition(group: SegmentGroup, names: Map<string, string> = new Map()): string {
  if (group.conditions.length === 0) return "Every contact";
  const parts = group.conditions.map((node) => (isGroup(node) ? `(${describeDefinition(node, names)})` : describeCondition(node)));
  const text = parts.join(group.match === "all" ? " and " : " or ");
  return [...names].reduce((t, [id, name]) => t.replaceAll(id, `"${name}"`), text);
}
