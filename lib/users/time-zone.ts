import { eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db";
import { users } from "@/db/schema";
import { canonicalTimeZone } from "@/lib/campaigns/schedule-time";
import { AppError, notFound } from "@/lib/errors";

/** What the profile form sends: an IANA zone, or "browser" for the browser's own zone (stored as null). */
export const BROWSER_TIME_ZONE = "browser";

export const timeZoneChoiceSchema = z.string({ error: "Pick a time zone" }).trim().min(1, "Pick a time zone").max(64, "Unknown time zone");

/**
 * The zones a profile offers: every IANA zone this runtime knows, plus UTC (which
 * `Intl.supportedValuesOf` leaves out on some runtimes).
 */
export function profileTimeZones(): string[] {
  const zones = Intl.supportedValuesOf("timeZone");
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

/**
 * Sets the zone the dashboard shows a user's times in: an IANA name (any case; stored canonical), or
 * "browser" for the browser's own zone. An unknown name is `unknown_time_zone`, an unknown user `not_found`.
 */
export async function setUserTimeZone(db: DbOrTx, input: { userId: string; timeZone: unknown }, now: Date): Promise<{ timeZone: string | null }> {
  const parsed = timeZoneChoiceSchema.safeParse(input.timeZone);
  if (!parsed.success) throw new AppError("unknown_time_zone", parsed.error.issues[0].message);
  const timeZone = parsed.data.toLowerCase() === BROWSER_TIME_ZONE ? null : canonicalTimeZone(parsed.data);
  const rows = await db.update(users).set({ timeZone, updatedAt: now }).where(eq(users.id, input.userId)).returning({ timeZone: users.timeZone });
  if (rows.length === 0) throw notFound("User");
  return rows[0];
}
