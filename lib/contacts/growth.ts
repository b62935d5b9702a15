import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";

export interface ContactsGrowth {
  /** One entry per calendar day in `timeZone`, oldest first, today last (days with none added count 0). */
  days: { day: string; added: number }[];
  /** Contacts added over those days. */
  added: number;
  /** Every contact now. */
  total: number;
}

/**
 * Contacts added per day over the last `days` days (today included), counted on the calendar of
 * `timeZone` (an IANA name the caller has checked), so "today" is the viewer's today. Reads the
 * contacts created in the window by their creation-time index, and the total.
 */
export async function getContactsGrowth(db: DbOrTx, { now, timeZone, days = 30 }: { now: Date; timeZone: string; days?: number }): Promise<ContactsGrowth> {
  const { rows } = await db.execute<{ day: string; added: number; total: number }>(sql`
    with bounds as (
      select date_trunc('day', ${now.toISOString()}::timestamptz at time zone ${timeZone}) as today
    ),
    added as (
      select to_char(c.created_at at time zone ${timeZone}, 'YYYY-MM-DD') as day, count(*)::int as added
      from contacts c, bounds b
      where c.created_at >= (b.today - make_interval(days => ${days - 1})) at time zone ${timeZone}
        and c.created_at <= ${now.toISOString()}::timestamptz
      group by 1
    )
    select to_char(d, 'YYYY-MM-DD') as day, coalesce(a.added, 0)::int as added, (select count(*)::int from contacts) as total
    from bounds b
    cross join generate_series(b.today - make_interval(days => ${days - 1}), b.today, interval '1 day') d
    left join added a on a.day = to_char(d, 'YYYY-MM-DD')
    order by d`);
  const list = rows.map((r) => ({ day: r.day, added: r.added }));
  return { days: list, added: list.reduce((n, d) => n + d.added, 0), total: rows[0]?.total ?? 0 };
}
