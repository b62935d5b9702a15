import Link from "next/link";
import { notFound } from "next/navigation";
import { CampaignActions } from "@/components/campaigns/campaign-actions";
import { LiveRefresh } from "@/components/campaigns/live-refresh";
import { ScheduledTime } from "@/components/campaigns/schedule-fields";
import { buttonClass } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { ProgressBar } from "@/components/ui/progress";
import { DataTable, type DataTableColumn } from "@/components/ui/data-table";
import { formatNumber, formatPercent, formatRate } from "@/components/ui/format";
import { Time } from "@/components/ui/time";
import { parseCursor, parseTrail } from "@/components/ui/keyset-paging";
import { requireUser } from "@/lib/app/session";
import { countAudience, getCampaign, getCampaignListIds } from "@/lib/campaigns/campaigns";
import { CampaignTools } from "@/components/campaigns/campaign-tools";
import { scheduleTimeZones } from "@/lib/campaigns/schedule-time";
import { getCampaignWithRates } from "@/lib/campaigns/rates";
import { ZERO_TOTALS } from "@/lib/campaigns/stats";
import { MachineActivity } from "@/components/campaigns/machine-activity";
import { listCampaignRecipients, RECIPIENT_FILTERS } from "@/lib/messages/queries";
import { FINE_BARS_MAX_SENT, getCampaignActivity, type CampaignActivity } from "@/lib/campaigns/activity";
import { campaignPollInterval, getCampaignLastEventAt } from "@/lib/campaigns/live";
import { getAppDb, getAppReads, getBreakerThresholds } from "@/lib/app/deps";
import { AsOfNotice } from "@/components/ui/as-of-notice";
import { BreakerBanner, BreakerRates } from "@/components/deliverability/breakers";
import { describeTrip, getBreakerView } from "@/lib/deliverability/breakers";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { InlineAction } from "@/components/ui/inline-action";
import { resyncCampaignAction } from "../actions";
import { StackedBars } from "@/components/charts/stacked-bars";
import { RecipientsSection } from "@/components/campaigns/recipients-section";
import { z } from "zod";
import { parseId } from "@/lib/http/id";
import { SenderCheckCard } from "@/components/campaigns/sender-check-card";
import { getEnv } from "@/lib/env";

export const metadata = { title: "Campaign" };

function chartDescription(activity: CampaignActivity): string {
  const per = `Per ${activity.bucket.label.replace(/^1 /, "")}, in your time zone.`;
  return activity.coarsened ? `${per} Bars under an hour are drawn for campaigns up to ${formatNumber(FINE_BARS_MAX_SENT)} recipients.` : per;
}

const SCHEDULE_TIME_ZONES = scheduleTimeZones();

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const STATUS_TONE = { draft: "slate", scheduled: "amber", sending: "blue", paused: "amber", sent: "green", cancelled: "red" } as const;

/**
 * One number of the campaign; `rate` is one of lib/campaigns/rates.ts's (the lists and the home page
 * show the same), `of` a plain share for the others. `who` says what a headline number counts ("people").
 */
function Stat({ label, value, of, rate, who }: { label: string; value: number; of?: number; rate?: number | null; who?: string }) {
  // The rate sits on its own line, so a number that grows never pushes it (or the card) around.
  const share = rate !== undefined ? (rate === null ? "" : formatRate(rate)) : of ? formatPercent(value, of) : "";
  return (
    <div className="min-w-0 rounded-lg border border-slate-200 bg-white px-4 py-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 text-xl font-semibold tabular-nums text-slate-900" data-testid={`stat-${label.toLowerCase().replace(/ /g, "-")}`}>
        {formatNumber(value)}
      </dd>
      <dd className="h-4 text-xs tabular-nums text-slate-500" data-testid={`rate-${label.toLowerCase().replace(/ /g, "-")}`}>
        {share}
        {share && who ? ` — ${who}` : ""}
      </dd>
    </div>
  );
}

const viewSchema = z.object({
  filter: z.enum(RECIPIENT_FILTERS).default("all").catch("all"),
  q: z.string().max(320).default("").catch(""),
  sort: z.enum(["email", "-email", "-activity"]).default("email").catch("email"),
  machine: z.literal("1").optional().catch(undefined),
});

// The 50 most clicked links, in that order.
const linkColumns: DataTableColumn[] = [
  { id: "link", header: "Link", className: "w-full max-w-0 truncate font-mono text-xs" }, // takes the room the counts leave
  { id: "clicks", header: "All", subLabel: "clicks", align: "right" },
  { id: "human", header: "People", subLabel: "clicks", align: "right" },
  { id: "people", header: "Unique", subLabel: "recipients", align: "right" },
];

export default async function CampaignPage({ params, searchParams }: { params: Promise<{ campaignId: string }>; searchParams: Promise<Record<string, string>> }) {
  const user = await requireUser("marketer");
  const viewer = await getViewerTimeZone();
  const { zone } = viewer;
  const chartZone = viewer.knownZone;
  const campaignId = parseId((await params).campaignId) ?? notFound();
  const search = await searchParams;
  const parsed = viewSchema.parse(search);
  const view = { ...parsed, machine: parsed.machine === "1", after: parseCursor(search.after) };
  const trail = parseTrail(search.trail);
  const db = getAppDb();
  const campaign = await getCampaign(db, campaignId);
  if (!campaign) notFound();
  const editable = campaign.status === "draft" || campaign.status === "scheduled";
  const now = new Date();
  const lastEventAt = editable ? null : await getCampaignLastEventAt(db, campaignId);
  const pollMs = campaignPollInterval(campaign, lastEventAt, now);
  // What a user just did must show: the campaign's row (status, counts) and a draft's audience (it reads
  // the targeting just saved) come from the primary. The analytics may come from the replica
  // (db/reads.ts), which says when it is behind.
  const [audience, { value: [withRates, recipients, activity], asOf }, listIds, breaker] = await Promise.all([
    editable ? countAudience(db, campaignId) : null,
    getAppReads().run((r) =>
      Promise.all([
        getCampaignWithRates(r, campaignId),
        editable ? null : listCampaignRecipients(r, { campaignId, filter: view.filter, machine: view.machine, search: view.q, sort: view.sort, after: view.after }),
        editable ? null : getCampaignActivity(r, { campaign, live: pollMs !== null, now, timeZone: chartZone }),
      ]),
    ),
    getCampaignListIds(db, campaignId),
    editable ? null : getBreakerView(db, { campaignId }, getBreakerThresholds()),
  ]);
  const isAdmin = user.role === "admin";
  const breakerPause = breaker?.pausedBy
    ? { canResume: isAdmin, confirm: `Resume this campaign? ${describeTrip(breaker.pausedBy)}. Its rates are judged again from now on.` }
    : undefined;
  const processed = campaign.sentCount + campaign.failedCount;
  const o = withRates?.totals ?? ZERO_TOTALS;
  const rates = withRates?.rates;
  return (
    <>
      <PageHeader
        title={campaign.name}
        description={`${campaign.subject} · from ${campaign.fromEmail}`}
        actions={editable ? <Link href={`/campaigns/${campaignId}/edit`} className={buttonClass("secondary")}>Edit</Link> : undefined}
      />
      <div className="mb-6 flex flex-wrap items-center gap-3 text-sm text-slate-600">
        <span data-testid="campaign-status">
          <Badge tone={STATUS_TONE[campaign.status]}>{campaign.status}</Badge>
        </span>
        <LiveRefresh pollMs={pollMs} renderedAt={now.toISOString()} timeZone={chartZone} />
        <AsOfNotice asOf={asOf} zone={zone} />
        {campaign.scheduledAt && campaign.status === "scheduled" ? (
          <span>
            Scheduled for <ScheduledTime at={campaign.scheduledAt.toISOString()} timeZone={campaign.scheduleTimeZone} viewerZone={viewer.knownZone} />
          </span>
        ) : null}
        {campaign.startedAt ? <span>Started <Time value={campaign.startedAt} zone={zone} /></span> : null}
        {campaign.completedAt ? <span>Finished <Time value={campaign.completedAt} zone={zone} /></span> : null}
      </div>
      {breaker ? <BreakerBanner view={breaker} isAdmin={isAdmin} zone={zone} what="campaign" /> : null}
      {campaign.lastError ? (
        <p role="alert" className="mb-6 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          {campaign.lastError}
        </p>
      ) : null}
      <div className="space-y-6">
        {audience ? (
          <Card title="Audience" description="Counted now; frozen when you send.">
            <p className="mb-4 text-sm text-slate-700" data-testid="audience-count">
              <strong className="text-lg tabular-nums">{formatNumber(audience.recipients)}</strong> recipients
              {audience.suppressed ? `, ${formatNumber(audience.suppressed)} skipped (unsubscribed, bounced or complained)` : ""}
            </p>
            <CampaignActions campaignId={campaignId} status={campaign.status} recipients={audience.recipients} timeZones={SCHEDULE_TIME_ZONES} />
          </Card>
        ) : (
          <Card title="Progress">
            <div className="space-y-4">
              <ProgressBar value={processed} max={campaign.recipientCount} label={campaign.status === "sending" ? "Sending" : "Handed to Postmark"} />
              <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-5">
                <Stat label="Recipients" value={campaign.recipientCount} />
                <Stat label="Sent" value={campaign.sentCount} of={campaign.recipientCount} />
                <Stat label="Delivered" value={o.delivered} rate={rates?.delivered ?? null} />
                <Stat label="Opened" value={o.openedHuman} rate={rates?.open ?? null} who="people" />
                <Stat label="Unopened" value={Math.max(0, o.delivered - o.openedHuman)} of={o.delivered || undefined} />
                <Stat label="Clicked" value={o.clickedHuman} rate={rates?.click ?? null} who="people" />
                <Stat label="Bounced" value={o.bounced} rate={rates?.bounce ?? null} />
                <Stat label="Spam complaints" value={o.spamComplaints} />
                <Stat label="Unsubscribed" value={o.unsubscribed} />
                <Stat label="Failed" value={campaign.failedCount} />
                <Stat label="Skipped" value={campaign.suppressedCount} />
              </dl>
              <MachineActivity totals={o} />
              {breaker ? <BreakerRates view={breaker} /> : null}
              <CampaignActions campaignId={campaignId} status={campaign.status} recipients={campaign.recipientCount} breakerPause={breakerPause} />
              {user.role === "admin" ? (
                <div className="border-t border-slate-100 pt-3">
                  <InlineAction action={resyncCampaignAction} fields={{ campaignId }} label="Resync with Postmark" />
                </div>
              ) : null}
            </div>
          </Card>
        )}
        {editable || campaign.senderCheck || campaign.senderOverrideAt ? (
          <SenderCheckCard
            campaignId={campaignId}
            check={campaign.senderCheck}
            overrideBy={campaign.senderOverrideBy}
            overrideAt={campaign.senderOverrideAt}
            editable={editable}
            isAdmin={user.role === "admin"}
            threshold={getEnv().SENDER_CHECK_MIN_RECIPIENTS}
            zone={zone}
          />
        ) : null}
        {activity ? (
          <div className="grid gap-6 xl:grid-cols-[3fr_2fr]">
            <Card title="Opens and clicks by people over time" description={chartDescription(activity)}>
              {activity.buckets.length ? (
                <>
                <StackedBars
                  title={`Opens and clicks by people per ${activity.bucket.label.replace(/^1 /, "")}`}
                  buckets={activity.buckets}
                  bucketMs={activity.bucket.ms}
                  timeZone={chartZone}
                  series={["opens", "clicks"]}
                  value={(b, s) => {
                    const i = activity.buckets.indexOf(b);
                    return s === "opens" ? activity.opens[i] : activity.clicks[i];
                  }}
                />
                <p className="mt-2 text-xs text-slate-500" data-testid="chart-all-counts">
                  By people: opens {formatNumber(sum(activity.opens))}, clicks {formatNumber(sum(activity.clicks))}. Counting machines too (Apple&apos;s proxy, scanners): opens{" "}
                  {formatNumber(sum(activity.allOpens))}, clicks {formatNumber(sum(activity.allClicks))}.
                </p>
                </>
              ) : (
                // As tall as the chart, so the first open does not push the page down.
                <div className="flex h-56 items-center justify-center text-sm text-slate-500">No opens or clicks yet.</div>
              )}
            </Card>
            <Card title="Clicks per link">
              <DataTable
                label="Clicks per link"
                columns={linkColumns}
                rows={activity.links.map((l) => ({ id: l.link, cells: { link: <span title={l.link}>{l.link.replace(/^https?:\/\//, "")}</span>, clicks: formatNumber(l.clicks), human: formatNumber(l.human_clicks), people: formatNumber(l.unique_clicks) } }))}
                empty={{ title: "No clicks yet" }}
              />
            </Card>
          </div>
        ) : null}
        {recipients ? <RecipientsSection zone={zone} campaignId={campaignId} rows={recipients.rows} next={recipients.next} view={view} trail={trail} /> : null}
        <Card title="Test, reuse, copy">
          <CampaignTools campaignId={campaignId} campaignName={campaign.name} listIds={listIds} defaultTo={user.email} />
        </Card>
        <Card title="Content">
          <iframe title="Campaign content" sandbox="" srcDoc={campaign.html} className="h-96 w-full rounded-md border border-slate-200 bg-white" />
        </Card>
      </div>
    </>
  );
}
