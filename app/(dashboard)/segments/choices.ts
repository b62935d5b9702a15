import type { Db } from "@/db";
import { listKnownFieldKeys } from "@/lib/campaigns/preview";
import { listLists } from "@/lib/contacts/contacts";
import { listTags } from "@/lib/contacts/tags";
import { listForms } from "@/lib/forms/forms";

/**
 * What the segment builder offers: lists, tags, custom field keys in use, and signup forms, live ones
 * first, then archived ones (marked; their signups still count, so a segment may still select them).
 */
export async function builderChoices(db: Db) {
  const [lists, tags, fieldKeys, live, archived] = await Promise.all([listLists(db), listTags(db), listKnownFieldKeys(db), listForms(db), listForms(db, { archived: true })]);
  return {
    lists: lists.map((l) => ({ id: l.id, name: l.name })),
    tags: tags.map((t) => ({ id: t.id, name: t.name })),
    forms: [...live, ...archived].map((f) => ({ id: f.id, name: f.name, archived: f.archivedAt !== null })),
    fieldKeys,
  };
}

/** Names of lists, tags and forms by id, for a definition in words (describeDefinition). */
export async function definitionNames(db: Db): Promise<Map<string, string>> {
  const { lists, tags, forms } = await builderChoices(db);
  return new Map([...lists, ...tags, ...forms].map((x) => [x.id, x.name]));
}
