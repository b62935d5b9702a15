import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db";
import { campaigns } from "@/db/schema";
import { countAudience, getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import { AppError } from "@/lib/errors";
import { formatCount } from "./format";
import { checkSenderDomain, type SenderCheck, type SenderCheckDeps } from "./check-sender";

export interface CampaignGateDeps extends SenderCheckDeps {
  /** Campaigns to more recipients than this are refused when the check fails (SENDER_CHECK_MIN_RECIPIENTS). */
  minRecipients: number;
}

export type GateOutcome = { check: SenderCheck | null; passed: boolean; overridden: boolean; recipients: number };

/**
 * The sender check before a campaign is sent or scheduled. Only a campaign to more than
 * `minRecipients` is checked (a small one cannot hurt the domain's reputation much, and is sent without
 * asking Postmark or DNS); the result is recorded on the campaign (shown on its page), and a domain that
 * fails is refused (`sender_unverified`, saying what to fix) unless an admin overrode the check for this
 * campaign. Runs outside any transaction: it asks Postmark and DNS.
 */
export async function checkCampaignSender(db: Db, input: { campaignId: string }, deps: CampaignGateDeps): Promise<GateOutcome> {
  const campaign = await getCampaignOrThrow(db, input.campaignId);
  const { recipients } = await countAudience(db, campaign.id, deps.now());
  if (recipients <= deps.minRecipients) return { check: null, passed: true, overridden: false, recipients };
  const check = await recheckCampaignSender(db, { campaignId: campaign.id, fromEmail: campaign.fromEmail }, deps);
  if (check.problems.length === 0) return { check, passed: true, overridden: false, recipients };
  if (campaign.senderOverrideAt) return { check, passed: false, overridden: true, recipients };
  throw new AppError(
    "sender_unverified",
    `This campaign goes to ${formatCount(recipients)} recipients from ${check.domain}, which is not ready for bulk mail (more than ${formatCount(deps.minRecipients)} recipients need a verified domain). To fix: ${check.problems.join(" ")} Then send again, or an admin can override the check for this campaign.`,
    { domain: check.domain, recipients, threshold: deps.minRecipients, problems: check.problems },
  );
}

/** Checks the campaign's From domain now and records the result on the campaign (the page's "Check again"). */
export async function recheckCampaignSender(db: Db, input: { campaignId: string; fromEmail?: string }, deps: SenderCheckDeps): Promise<SenderCheck> {
  const fromEmail = input.fromEmail ?? (await getCampaignOrThrow(db, input.campaignId)).fromEmail;
  const check = await checkSenderDomain(fromEmail, deps);
  await db.update(campaigns).set({ senderCheck: check }).where(eq(campaigns.id, input.campaignId));
  return check;
}

/** An admin sends despite a failed sender check: recorded on the campaign (who, when), shown on its page. */
export async function overrideSenderCheck(db: Db, input: { campaignId: string; actor: string }, now: Date) {
  const [row] = await db
    .update(campaigns)
    .set({ senderOverrideBy: input.actor, senderOverrideAt: now, updatedAt: now })
    .where(and(eq(campaigns.id, input.campaignId), inArray(campaigns.status, ["draft", "scheduled"])))
    .returning();
  if (!row) {
    const existing = await getCampaignOrThrow(db, input.campaignId);
    throw new AppError("invalid_state", `A ${existing.status} campaign's sender check cannot be overridden`);
  }
  return row;
}
