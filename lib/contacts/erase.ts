import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { contactErasures } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { uuidArray } from "@/lib/http/id";

/**
 * What an erased message shows where its recipient's address and content were. Also its mark: events
 * arriving later for such a message are stored without personal data (postline_ingest_events; an orphan
 * linked to it later, db/functions/postline_message_events_erased.sql), keeping only the anonymous details
 * (db/functions/postline_erased_event_details.sql).
 */
export const ERASED = "(erased)";

/**
 * The keys of an outbound webhook payload's data that name or describe a person, or may quote their
 * address (a bounce's description, a delivery's SMTP answer) or carry it (a clicked link's query).
 */
const PERSONAL_PAYLOAD_KEYS = ["email", "recipient", "name", "fields", "subject", "status_reason", "details", "description", "link"];

export interface ErasureResult {
  /** Contacts erased (ids that named no contact are not counted). */
  erased: number;
  /** Of those, how many addresses went on the suppression list as a hash. */
  suppressed: number;
  /** Message rows whose personal data was erased. */
  messages: number;
}

/**
 * Deleting a contact erases it. In one transaction:
 * - the address is kept only as a hash (postline_address_hash) on the suppression list when the
 *   contact was unsubscribed, bounced or complained, so a re-added address comes back suppressed
 *   (the contacts insert trigger); a subscribed contact leaves nothing behind (and lifts an old entry),
 *   nor does a pending one (a form signup never confirmed: no opt-out to remember, and its address was
 *   never on the list, since forms refuse suppressed addresses);
 * - its messages (by contact, and single emails sent to the address before it was a contact) keep their
 *   ids, statuses, times and counts, so campaign totals and reports still add up, but lose the address,
 *   subject, bodies, metadata, and an error text that names the address; one still queued is cancelled;
 * - their events keep record type, time and anonymous details, losing Postmark's raw payload (address,
 *   IP, user agent, geography, links); orphan events for the address too;
 * - outbound webhook payloads about it (kept for the delivery log and replays) lose the same fields;
 * - the contact row goes, and its list memberships with it;
 * - the erasure is logged (contact id, who, when, never the address).
 */
export async function eraseContacts(db: DbOrTx, input: { contactIds: string[]; actor: string }, now: Date): Promise<ErasureResult> {
  return db.transaction(async (tx) => {
    const at = now.toISOString();
    const gone = await tx.execute<{ id: string; email: string; status: string }>(sql`
      select id, lower(btrim(email)) as email, status from contacts where id = any(${uuidArray(input.contactIds)}) order by id for update`);
    if (gone.rows.length === 0) return { erased: 0, suppressed: 0, messages: 0 };
    const ids = gone.rows.map((r) => r.id);
    const people = sql`(select * from jsonb_to_recordset(${JSON.stringify(gone.rows)}::jsonb) as p(id uuid, email text, status contact_status))`;

    const suppressed = await tx.execute(sql`
      insert into suppressed_addresses (address_hash, status, created_at)
      select postline_address_hash(p.email), p.status, ${at}::timestamptz from ${people} p where p.status::text not in ('subscribed', 'pending')
      on conflict (address_hash) do update set status = excluded.status, created_at = excluded.created_at`);
    await tx.execute(sql`
      delete from suppressed_addresses s using ${people} p
      where p.status = 'subscribed' and s.address_hash = postline_address_hash(p.email)`);

    // By contact, or by address for messages without a contact: a single email sent before the address
    // became a contact has no contact id (messages_to_email_idx holds only those). A message with a
    // contact belongs to that contact's history, whichever address it went to.
    const messageRows = await tx.execute<{ id: string; email: string }>(sql`
      with target as (
        select m.id, p.email from messages m join ${people} p on m.contact_id = p.id
        union
        select m.id, lower(m.to_email) from messages m
        where m.contact_id is null and lower(m.to_email) in (select p.email from ${people} p)
      )
      update messages m set
        to_email = ${ERASED}, subject = ${ERASED}, html_body = null, text_body = null, metadata = '{}'::jsonb,
        error_message = case
          when m.status = 'queued' and m.batch_id is null then 'Recipient erased before sending'
          when strpos(lower(m.error_message), t.email) > 0 then ${ERASED}
          else m.error_message end,
        -- One in flight (queued with its batch) is left to its batch: Postmark may have it already.
        status = case when m.status = 'queued' and m.batch_id is null and m.campaign_id is null then 'cancelled'::message_status else m.status end,
        updated_at = ${at}::timestamptz
      from target t where t.id = m.id
      returning m.id, t.email`);
    const messageIds = messageRows.rows.map((r) => r.id);

    await tx.execute(sql`
      with erased as (
        update message_events e set recipient = null, details = postline_erased_event_details(e.details)
        where e.message_id = any(${uuidArray(messageIds)})
           or (e.message_id is null and lower(e.recipient) = any(select p.email from ${people} p))
        returning e.id, e.received_at
      )
      update message_event_raw r set raw = jsonb_build_object('RecordType', r.raw->'RecordType', 'MessageID', r.raw->'MessageID', 'Erased', true)
      from erased where r.event_id = erased.id and r.received_at = erased.received_at`);

    await tx.execute(sql`
      update webhook_events w set
        data = w.data || (select coalesce(jsonb_object_agg(k, case when k = 'fields' then '{}'::jsonb else 'null'::jsonb end), '{}'::jsonb)
                          from unnest(${`{${PERSONAL_PAYLOAD_KEYS.join(",")}}`}::text[]) k where w.data ? k)
      where w.data->>'contact_id' = any(${`{${ids.join(",")}}`}::text[])
         or w.data->>'message_id' = any(${`{${messageIds.join(",")}}`}::text[])
         or lower(w.data->>'email') = any(select p.email from ${people} p)
         or lower(w.data->>'recipient') = any(select p.email from ${people} p)`);

    await tx.execute(sql`delete from contacts where id = any(${uuidArray(ids)})`);
    await tx.insert(contactErasures).values(
      gone.rows.map((p) => ({
        contactId: p.id,
        erasedBy: input.actor,
        erasedAt: now,
        suppressed: p.status !== "subscribed",
        messagesErased: messageRows.rows.filter((m) => m.email === p.email).length,
      })),
    );
    return { erased: ids.length, suppressed: suppressed.rowCount ?? 0, messages: messageIds.length };
  });
}

/** Erases one contact (see eraseContacts); an unknown id is `not_found`. */
export async function eraseContact(db: DbOrTx, input: { contactId: string; actor: string }, now: Date): Promise<ErasureResult> {
  const result = await eraseContacts(db, { contactIds: [input.contactId], actor: input.actor }, now);
  if (result.erased === 0) throw notFound("Contact");
  return result;
}
