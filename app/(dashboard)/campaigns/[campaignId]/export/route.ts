import { z } from "zod";
import { errorResponse } from "@/lib/app/api-route";
import { getCurrentUser } from "@/lib/app/session";
import { getCampaign } from "@/lib/campaigns/campaigns";
import { csvField, RECIPIENT_CSV_HEADER, recipientCsvLine } from "@/lib/messages/csv";
import { listCampaignRecipients, RECIPIENT_FILTERS } from "@/lib/messages/queries";
import { getAppDb, getAppReads } from "@/lib/app/deps";
import { parseId } from "@/lib/http/id";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

const querySchema = z.object({
  filter: z.enum(RECIPIENT_FILTERS).default("all").catch("all"),
  q: z.string().max(320).default("").catch(""),
  sort: z.enum(["email", "-email", "-activity"]).default("email").catch("email"),
  machine: z.literal("1").optional().catch(undefined),
});

/** The filtered recipients as CSV, streamed page by page (keyset), never built in memory. */
export async function GET(req: Request, { params }: { params: Promise<{ campaignId: string }> }) {
  const user = await getCurrentUser();
  if (!user) return errorResponse("unauthorized", "Sign in again");
  const { campaignId } = await params;
  // A strict UUID: "36 dashes" passes a loose pattern and reached PostgreSQL as a 500.
  if (!parseId(campaignId)) return errorResponse("not_found", "Campaign not found");
  const campaign = await getCampaign(getAppDb(), campaignId);
  if (!campaign) return errorResponse("not_found", "Campaign not found");
  const view = querySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const encoder = new TextEncoder();
  let after: string | null = null;
  let started = false;
  // The rows come from the replica when there is one (db/reads.ts), page by page: a page that finds it
  // down or too far behind is read from the primary, and keyset paging carries on either way.
  const reads = getAppReads();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(RECIPIENT_CSV_HEADER.map(csvField).join(",") + "\r\n"));
        return;
      }
      const { value: page } = await reads.run((db) => listCampaignRecipients(db, { campaignId, filter: view.filter, machine: view.machine === "1", search: view.q, sort: view.sort, after, limit: 1000 }));
      if (page.rows.length) controller.enqueue(encoder.encode(page.rows.map(recipientCsvLine).join("")));
      if (!page.next) controller.close();
      after = page.next;
    },
  });
  const name = `${campaign.name.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 60) || "campaign"}-${view.filter}.csv`;
  return new Response(stream, { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" } });
}
