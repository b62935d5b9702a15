import Link from "next/link";
import { notFound } from "next/navigation";
import { activateSequenceAction, pauseSequenceAction, removeEnrollmentAction } from "@/app/(dashboard)/sequences/actions";
import { SequenceEmailTools } from "@/components/sequences/email-tools";
import { EnrollForm } from "@/components/sequences/enroll-form";
import { buttonClass } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { formatNumber, formatPercent } from "@/components/ui/format";
import { InlineAction } from "@/components/ui/inline-action";
import { Time } from "@/components/ui/time";
import { getAppDb, getBreakerThresholds } from "@/lib/app/deps";
import { BreakerBanner, BreakerRates } from "@/components/deliverability/breakers";
import { getBreakerView } from "@/lib/deliverability/breakers";
import { requireUser } from "@/lib/app/session";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { parseId } from "@/lib/http/id";
import { describeTrigger, getSequenceDetail } from "@/lib/sequences/detail";
import { listEnrollments } from "@/lib/sequences/enrollments";
import { WEEKDAY_NAMES } from "@/lib/sequences/schedule";
import { getSequence } from "@/lib/sequences/sequences";

export const metadata = { title: "Sequence" };
export const dynamic = "force-dynamic";

const STATUS_TONE = { draft: "slate", active: "green", paused: "amber" } as const;
const ENROLLMENT_TONE = { active: "blue", completed: "green", exited: "slate" } as const;

const emailColumns: DataTableColumn[] = [
  { id: "n", header: "#", className: "tabular-nums" },
  { id: "subject", header: "Email", className: "min-w-40 max-w-xs" },
  { id: "delay", header: "After", className: "whitespace-nowrap" },
  { id: "sent", header: "Sent", align: "right", className: "tabular-nums" },
  { id: "delivered", header: "Delivered", align: "right", className: "tabular-nums" },
  { id: "opened", header: "Opened (people)", align: "right", className: "tabular-nums" },
  { id: "clicked", header: "Clicked (people)", align: "right", className: "tabular-nums" },
  { id: "unsubscribed", header: "Unsubscribed", align: "right", className: "tabular-nums" },
  { id: "bounced", header: "Bounced", align: "right", className: "tabular-nums" },
];

const enrollmentColumns: DataTableColumn[] = [
  { id: "contact", header: "Contact" },
  { id: "status", header: "Status" },
  { id: "where", header: "Where it stands" },
  { id: "enrolled", header: "Enrolled", className: "whitespace-nowrap" },
  { id: "actions", header: "", align: "right" },
];

const REASONS: Record<string, string> = {
  unsubscribed: "unsubscribed",
  bounced: "bounced",
  complained: "complained",
  pending: "not confirmed",
  tag_added: "got an exit tag",
  joined_list: "joined an exit list",
  removed: "removed by hand",
};

export default async function SequencePage({ params, searchParams }: { params: Promise<{ sequenceId: string }>; searchParams: Promise<{ status?: string }> }) {
  const user = await requireUser();
  const id = parseId((await params).sequenceId);
  const db = getAppDb();
  if (!id || !(await getSequence(db, id))) notFound();
  const statusParam = (await searchParams).status;
  const status = statusParam === "active" || statusParam === "completed" || statusParam === "exited" ? statusParam : undefined;
  const [detail, enrollments, viewer, breaker] = await Promise.all([
    getSequenceDetail(db, id),
    listEnrollments(db, { sequenceId: id, status, limit: 100 }),
    getViewerTimeZone(),
    getBreakerView(db, { sequenceId: id }, getBreakerThresholds()),
  ]);
  // A circuit breaker's pause is lifted only by an admin (the server refuses anyone else too).
  const canResume = !breaker?.pausedBy || user.role === "admin";
  const { sequence: s, emails } = detail;
  const trigger = await describeTrigger(db, s);
  const window = s.windowDays?.length ? `${s.windowDays.map((d) => WEEKDAY_NAMES[d - 1]).join(", ")}, ${s.windowStartHour}:00–${s.windowEndHour}:00 (${s.timeZone}, or the contact's time_zone)` : "any time";

  const emailRows: DataTableRow[] = emails.map((e, i) => ({
    id: e.id,
    cells: {
      n: i + 1,
      subject: <span className="wrap-anywhere">{e.subject}</span>,
      delay: `${formatNumber(e.delayAmount)} ${e.delayAmount === 1 ? e.delayUnit.replace(/s$/, "") : e.delayUnit}`,
      sent: formatNumber(e.stats.sent),
      delivered: formatNumber(e.stats.delivered),
      opened: `${formatNumber(e.stats.openedHuman)} (${formatPercent(e.stats.openedHuman, e.stats.delivered)})`,
      clicked: `${formatNumber(e.stats.clickedHuman)} (${formatPercent(e.stats.clickedHuman, e.stats.delivered)})`,
      unsubscribed: formatNumber(e.stats.unsubscribed),
      bounced: formatNumber(e.stats.bounced),
    },
  }));
  const enrollmentRows: DataTableRow[] = enrollments.map((e) => ({
    id: e.id,
    cells: {
      contact: (
        <Link href={`/contacts/${e.contactId}`} className="text-brand-700 wrap-anywhere hover:underline">
          {e.email}
        </Link>
      ),
      status: <Badge tone={ENROLLMENT_TONE[e.status]}>{e.status}</Badge>,
      where:
        e.status === "active" ? (
          <span>
            {e.emailsSent} sent; next: email {e.nextPosition ?? "?"}, due <Time value={e.nextDueAt} zone={viewer.zone} />
          </span>
        ) : e.status === "completed" ? (
          `all ${e.emailsSent} sent`
        ) : (
          `${REASONS[e.exitReason ?? ""] ?? e.exitReason ?? "exited"} after ${e.emailsSent} sent`
        ),
      enrolled: <Time value={e.enrolledAt} zone={viewer.zone} />,
      actions: e.status === "active" ? <InlineAction action={removeEnrollmentAction} fields={{ id: s.id, contactId: e.contactId }} label="Remove" confirm="Take this contact out of the sequence?" /> : null,
    },
  }));

  return (
    <div className="space-y-6">
      <PageHeader
        title={s.name}
        description={`Enrols ${trigger}. Sends ${window}.`}
        actions={
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={STATUS_TONE[s.status]}>{s.status}</Badge>
            <Link href={`/sequences/${s.id}/edit`} className={buttonClass("secondary")}>
              Edit
            </Link>
            {s.status === "active" ? <InlineAction action={pauseSequenceAction} fields={{ id: s.id }} label="Pause" /> : null}
            {s.status === "draft" ? <InlineAction action={activateSequenceAction} fields={{ id: s.id }} label="Activate" variant="secondary" /> : null}
            {s.status === "paused" && canResume ? (
              <>
                <InlineAction action={activateSequenceAction} fields={{ id: s.id, due: "spread", spread_minutes: "60" }} label="Resume, spreading due emails over an hour" />
                <InlineAction action={activateSequenceAction} fields={{ id: s.id, due: "send" }} label="Resume and send due emails now" />
              </>
            ) : null}
          </div>
        }
      />

      {breaker ? <BreakerBanner view={breaker} isAdmin={user.role === "admin"} zone={viewer.zone} what="sequence" /> : null}
      {breaker && s.status !== "draft" ? (
        <Card title="Circuit breakers" description="Complaints and hard bounces of this sequence's mail since its last resume, against the thresholds.">
          <BreakerRates view={breaker} />
        </Card>
      ) : null}

      <Card title="Emails" description="Stats from each email's messages: people's opens and clicks, not Apple's proxy or link scanners.">
        <DataTable label="Emails of the sequence" columns={emailColumns} rows={emailRows} empty={{ title: "No emails" }} />
      </Card>

      <Card title="Preview and test" description="An email as saved, as a contact would receive it; a test goes on the transactional stream with [Test] before the subject.">
        <SequenceEmailTools
          sequenceId={s.id}
          emails={emails.map((e) => ({ id: e.id, subject: e.subject, html: e.html, text: e.text }))}
          listIds={s.triggerType === "list" && s.triggerId ? [s.triggerId] : []}
          defaultTo={user.email}
        />
      </Card>

      <Card title="Enrollments">
        <div className="space-y-4">
          <nav aria-label="Enrollments by status" className="flex flex-wrap gap-3 text-sm">
            {([["all", undefined], ["active", "active"], ["completed", "completed"], ["exited", "exited"]] as const).map(([label, value]) => {
              const count = value ? detail.enrollments[value] : detail.enrollments.active + detail.enrollments.completed + detail.enrollments.exited;
              const current = status === value;
              return (
                <Link key={label} href={value ? `/sequences/${s.id}?status=${value}` : `/sequences/${s.id}`} aria-current={current ? "page" : undefined} className={current ? "font-semibold text-slate-900" : "text-brand-700 hover:underline"}>
                  {label} ({formatNumber(count)})
                </Link>
              );
            })}
          </nav>
          {detail.exitReasons.length ? (
            <p className="text-sm text-slate-600">
              Exited because: {detail.exitReasons.map((r) => `${REASONS[r.reason] ?? r.reason} (${formatNumber(r.count)})`).join(", ")}.
            </p>
          ) : null}
          {s.status !== "draft" ? <EnrollForm sequenceId={s.id} /> : <p className="text-sm text-slate-500">Activate the sequence to enrol contacts.</p>}
          <DataTable label="Enrollments" columns={enrollmentColumns} rows={enrollmentRows} empty={{ title: "No enrollments", description: "Contacts enrol through the trigger, by hand here, or through the API." }} />
        </div>
      </Card>
    </div>
  );
}
