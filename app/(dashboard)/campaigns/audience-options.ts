import type { DbOrTx } from "@/db";
import type { AudienceOptions } from "@/components/campaigns/audience-picker";
import { countContacts, listLists } from "@/lib/contacts/contacts";
import { listTags } from "@/lib/contacts/tags";
import { listSegments } from "@/lib/segments/segments";

/** What the campaign form's audience picker offers: lists, tags and segments by name, and the subscribed total. */
export async function listAudienceOptions(db: DbOrTx): Promise<AudienceOptions> {
  const [lists, tags, segments, counts] = await Promise.all([listLists(db), listTags(db), listSegments(db), countContacts(db)]);
  return {
    lists: lists.map((l) => ({ id: l.id, name: l.name, subscribedCount: l.subscribedCount })),
    tags: tags.map((t) => ({ id: t.id, name: t.name, contactCount: t.contactCount })),
    segments: segments.map((s) => ({ id: s.id, name: s.name })),
    totalSubscribed: counts.subscribed,
  };
}
