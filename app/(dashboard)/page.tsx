import { formatNumber } from "@/components/ui/format";
import Link from "next/link";
import { Rate } from "@/components/campaigns/rate";
import { formatRate } from "@/components/ui/format";
import { ComplaintChart } from "@/components/home/complaint-chart";
import { DailyBars } from "@/components/home/daily-bars";
import { buttonClass } from "@/components/ui/button";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { dayInZone, Time } from "@/components/ui/time";
import { countOpenAlerts, listAlerts } from "@/lib/alerts/alerts";
import { getAppDb, getBreakerThresholds } from "@/lib/app/deps";
import { WatchedRates } from "@/components/deliverability/breakers";
import { listWatchedRates } from "@/lib/deliverability/breakers";
import { requireUser } from "@/lib/app/session";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { complaintTone, getSendingHealth, hasAnyCampaign, listRecentCampaignRates, type RateTone } from "@/lib/campaigns/rates";
import { getContactsGrowth } from "@/lib/contacts/growth";

export const metadata = { title: "Home" };
export const dynamic = "force-dynamic";

const columns: DataTableColumn[] = [
  { id: "name", header: "Campaign", className: "min-w-40 font-medium" },
  { id: "started", header: "Sent" },
  { id: "delivered", header: "Delivered %", align: "right" },
  { id: "open", header: "Open %", align: "right" },
  { id: "click", header: "Click %", align: "right" },
  { id: "bounce", header: "Bounce %", align: "right" },
  { id: "complaint", header: "Complaint %", align: "right" },
];

const VERDICT: Record<RateTone, { text: string; className: string }> = {
  good: { text: "Below Gmail's and Yahoo's 0.1% target.", className: "text-emerald-700" },
  warning: { text: "Above the 0.1% target: bring it down before it nears 0.3%.", className: "text-amber-800" },
  bad: { text: "At or above 0.3%: Gmail and Yahoo may block or junk your mail.", className: "text-red-700" },
};

function Figure({ label, value, children, testId }: { label: string; value: React.ReactNode; children?: React.ReactNode; testId?: string }) {
  return (
    <div className="min-w-0 rounded-lg border border-slate-200 bg-white px-4 py-3" data-testid={testId}>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">{value}</p>
      {children ? <div className="mt-1 text-sm">{children}</div> : null}
    </div>
  );
}

export default async function HomePage() {
  const user = await requireUser();
  const { zone } = await getViewerTimeZone();
  const db = getAppDb();
  const now = new Date();
  const isAdmin = user.role === "admin";
  const thresholds = getBreakerThresholds();
  const [recent, anyCampaign, health, growth, openAlerts, alerts, watched] = await Promise.all([
    listRecentCampaignRates(db, { limit: 8 }),
    hasAnyCampaign(db),
    getSendingHealth(db, { now, days: 30 }),
    getContactsGrowth(db, { now, timeZone: zone, days: 30 }),
    isAdmin ? countOpenAlerts(db) : 0,
    isAdmin ? listAlerts(db, { openOnly: true, limit: 3 }) : [],
    listWatchedRates(db, thresholds, now),
  ]);
  const rows: DataTableRow[] = recent.map((c) => ({
    id: c.id,
    cells: {
      name: (
        <Link href={`/campaigns/${c.id}`} className="text-brand-700 hover:underline">
          {c.name}
        </Link>
      ),
      started: <Time value={c.startedAt} zone={zone} />,
      delivered: <Rate value={c.rates.delivered} />,
      open: <Rate value={c.rates.open} />,
      click: <Rate value={c.rates.click} />,
      bounce: <Rate value={c.rates.bounce} digits={2} />,
      complaint: <Rate value={c.rates.complaint} digits={2} complaint />,
    },
  }));
  const verdict = health.complaintRate === null ? null : VERDICT[complaintTone(health.complaintRate)];

  return (
    <>
      <PageHeader title="Home" description="How your sending is doing." actions={<Link href="/campaigns/new" className={buttonClass()}>New campaign</Link>} />
      <div className="space-y-6">
        {isAdmin && openAlerts > 0 ? (
          <section aria-labelledby="alerts-heading" className="rounded-lg border border-red-200 bg-red-50 px-5 py-4" data-testid="home-alerts">
            <h2 id="alerts-heading" className="text-base font-semibold text-red-800">
              {formatNumber(openAlerts)} open {openAlerts === 1 ? "alert" : "alerts"}
            </h2>
            <ul className="mt-2 space-y-1 text-sm text-red-800">
              {alerts.map((a) => (
                <li key={a.id} className="wrap-anywhere">
                  {a.title} <span className="text-red-700">· <Time value={a.lastSeenAt} zone={zone} /></span>
                </li>
              ))}
            </ul>
            <Link href="/security" className="mt-2 inline-block text-sm font-medium text-red-800 underline">
              Review them on the Security page
            </Link>
          </section>
        ) : null}

        {recent.length === 0 ? (
          <EmptyState
            title={anyCampaign ? "No campaigns sent yet" : "No campaigns yet"}
            action={
              <div className="flex flex-wrap justify-center gap-3">
                <Link href={anyCampaign ? "/campaigns" : "/campaigns/new"} className={buttonClass()}>
                  {anyCampaign ? "Finish and send a draft" : "Create your first campaign"}
                </Link>
                <Link href="/contacts" className={buttonClass("secondary")}>
                  Add contacts
                </Link>
              </div>
            }
          >
            Once a campaign goes out, this page shows how it did: delivered, opened and clicked, and your bounce and spam complaint rates against Gmail&apos;s and Yahoo&apos;s thresholds.
          </EmptyState>
        ) : (
          <Card title="Last campaigns" description="Delivered and bounced of what was sent; opened, clicked and complaints of what was delivered." actions={<Link href="/campaigns" className="text-sm text-brand-700 hover:underline">All campaigns</Link>}>
            <DataTable label="Last campaigns" columns={columns} rows={rows} rowTestId="home-campaign-row" empty={{ title: "No campaigns sent yet" }} />
          </Card>
        )}

        <Card title="Spam complaints and bounces" description="Campaigns started in the last 30 days.">
          <div className="space-y-4">
            <div className="grid gap-3 sm:grid-cols-2">
              <Figure label="Spam complaint rate" value={formatRate(health.complaintRate, 2)} testId="home-complaint-rate">
                {verdict ? <p className={verdict.className}>{verdict.text}</p> : <p className="text-slate-600">Nothing delivered in the last 30 days.</p>}
                <p className="text-xs text-slate-600">
                  {formatNumber(health.spamComplaints)} {health.spamComplaints === 1 ? "complaint" : "complaints"} of {formatNumber(health.delivered)} delivered
                </p>
              </Figure>
              <Figure label="Bounce rate" value={formatRate(health.bounceRate, 2)} testId="home-bounce-rate">
                <p className="text-xs text-slate-600">
                  {formatNumber(health.bounced)} bounced of {formatNumber(health.sent)} sent
                </p>
              </Figure>
            </div>
            {health.campaigns.length ? <ComplaintChart campaigns={health.campaigns} label={(c) => `${c.name}, ${c.startedAt ? dayInZone(c.startedAt, zone) : ""}`} /> : null}
          </div>
        </Card>

        <Card title="Circuit breakers" description="Sending, recently sent and breaker-paused campaigns and sequences, judged on what happened since their last resume.">
          <WatchedRates rows={watched} thresholds={thresholds} />
        </Card>

        <Card title="Contacts" description="Added per day over the last 30 days.">
          <div className="space-y-3">
            <div className="grid grid-cols-2 gap-3">
              <Figure label="Contacts" value={formatNumber(growth.total)} testId="home-contacts-total" />
              <Figure label="Added in 30 days" value={formatNumber(growth.added)} testId="home-contacts-added" />
            </div>
            <DailyBars title={`Contacts added per day, ${growth.days[0]?.day} to ${growth.days.at(-1)?.day}`} days={growth.days} />
          </div>
        </Card>
      </div>
    </>
  );
}
