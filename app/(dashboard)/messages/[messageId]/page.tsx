import Link from "next/link";
import { notFound } from "next/navigation";
import { EventTimeline } from "@/components/messages/event-timeline";
import { HumanStatusBadge } from "@/components/messages/engagement-status";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { InlineAction } from "@/components/ui/inline-action";
import { Time } from "@/components/ui/time";
import { requireUser } from "@/lib/app/session";
import { getMessage, listMessageEvents } from "@/lib/messages/queries";
import { getShownSubject } from "@/lib/messages/subjects";
import { messagePollInterval } from "@/lib/campaigns/live";
import { LiveRefresh } from "@/components/campaigns/live-refresh";
import { SubjectText } from "@/components/messages/subject-text";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { resyncMessageAction } from "./actions";
import { parseId } from "@/lib/http/id";

export const metadata = { title: "Message" };

/** What a single email asked Postmark to track (campaign mail always tracks both). */
function trackingOf(m: { trackOpens: boolean; trackLinks: boolean }): string {
  if (m.trackOpens && m.trackLinks) return "opens and links";
  if (m.trackOpens) return "opens only";
  if (m.trackLinks) return "links only";
  return "off";
}

/** "by a person 10:02 · first of any kind 10:00 (3×)": the human time first, the any-kind one when it differs. */
function FirstEngagement({ human, any, count, zone, testId }: { human: Date | null; any: Date | null; count: number; zone: string; testId: string }) {
  if (!any && !human) return <span data-testid={testId}>—</span>;
  const differs = !human || !any || human.getTime() !== any.getTime();
  return (
    <span data-testid={testId} className="block space-y-0.5">
      <span className="block">
        {human ? (
          <>
            by a person <Time value={human} zone={zone} />
          </>
        ) : (
          "not by a person"
        )}
      </span>
      {any && differs ? (
        <span className="block text-xs text-slate-500">
          first of any kind <Time value={any} zone={zone} /> ({count}×)
        </span>
      ) : (
        <span className="block text-xs text-slate-500">({count}×)</span>
      )}
    </span>
  );
}

export default async function MessagePage({ params }: { params: Promise<{ messageId: string }> }) {
  const user = await requireUser("marketer");
  const { zone, knownZone } = await getViewerTimeZone();
  const messageId = parseId((await params).messageId) ?? notFound();
  const db = getAppDb();
  const message = await getMessage(db, messageId);
  if (!message) notFound();
  const now = new Date();
  const [events, subject] = await Promise.all([listMessageEvents(db, messageId), getShownSubject(db, message)]);
  const pollMs = messagePollInterval(message, now);
  const facts: [string, React.ReactNode][] = [
    ["Status", <HumanStatusBadge key="s" message={message} />],
    ["Subject", <SubjectText key="subj" subject={subject} />],
    ["Postmark MessageID", <code key="pm" className="font-mono text-xs wrap-anywhere" data-testid="postmark-message-id">{message.postmarkMessageId ?? "— (not handed to Postmark)"}</code>],
    ["From", <span key="from" className="wrap-anywhere">{message.fromEmail}</span>],
    ["Stream", message.messageStream],
    ["Campaign", message.campaignId ? <Link key="c" href={`/campaigns/${message.campaignId}`} className="text-brand-700 hover:underline">open the campaign</Link> : "single email"],
    ["Contact", message.contactId ? <Link key="ct" href={`/contacts/${message.contactId}`} className="text-brand-700 hover:underline">contact history</Link> : "—"],
    ["Tracking", message.campaignId ? "opens and links" : trackingOf(message)],
    ["Sent", <Time key="sent" value={message.sentAt} zone={zone} />],
    ["Delivered", <Time key="delivered" value={message.deliveredAt} zone={zone} />],
    // A person's first open and click (what the status says), then the first of any kind (machines too).
    ["Opened", <FirstEngagement key="opened" human={message.firstHumanOpenedAt} any={message.firstOpenedAt} count={message.openCount} zone={zone} testId="first-open" />],
    ["Clicked", <FirstEngagement key="clicked" human={message.firstHumanClickedAt} any={message.firstClickedAt} count={message.clickCount} zone={zone} testId="first-click" />],
    ["Error", message.errorMessage ? `${message.errorCode ?? ""} ${message.errorMessage}` : "—"],
  ];
  return (
    <>
      <PageHeader title={message.toEmail} description={subject.text} />
      <div className="-mt-4 mb-4 min-h-5">
        <LiveRefresh pollMs={pollMs} renderedAt={now.toISOString()} timeZone={knownZone} />
      </div>
      <div className="grid gap-6 xl:grid-cols-[2fr_3fr]">
        <Card title="Message">
          <dl className="grid grid-cols-[7rem_minmax(0,1fr)] gap-x-3 gap-y-2 text-sm">
            {facts.map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="text-slate-500">{k}</dt>
                <dd className="min-w-0 break-words text-slate-800">{v}</dd>
              </div>
            ))}
          </dl>
          {user.role === "admin" && message.postmarkMessageId ? (
            <div className="mt-4 border-t border-slate-100 pt-4">
              <InlineAction action={resyncMessageAction} fields={{ messageId: message.id }} label="Resync from Postmark" />
              <p className="mt-1 text-right text-xs text-slate-500">Fetches what Postmark knows and adds any missing events.</p>
            </div>
          ) : null}
        </Card>
        <Card title="Timeline" description="Every event Postmark reported for this message, with its source.">
          {events.length ? <EventTimeline events={events} zone={zone} /> : <EmptyState title="No events yet">Events arrive from Postmark's webhooks within seconds of sending, or from reconciliation.</EmptyState>}
        </Card>
      </div>
    </>
  );
}
