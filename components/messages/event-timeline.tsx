import { Badge } from "@/components/ui/card";
import { Time } from "@/components/ui/time";

export interface TimelineEvent {
  id: number;
  recordType: string;
  occurredAt: Date;
  receivedAt: Date;
  source: string;
  recipient: string | null;
  details: Record<string, unknown>;
  /** Null once the retention dropped it (RAW_EVENT_RETENTION_DAYS). */
  raw: unknown;
  /** Opens and clicks: who fetched it (lib/engagement), why, and by which rules; null before classification. */
  engagementClass?: string | null;
  engagementReasons?: string[] | null;
  engagementRulesVersion?: string | null;
}

const CLASS_LABEL: Record<string, { label: string; tone: "green" | "amber" | "slate" }> = {
  human: { label: "Person", tone: "green" },
  image_proxy: { label: "Image proxy (a person)", tone: "green" },
  apple_mpp: { label: "Apple proxy", tone: "amber" },
  link_scanner: { label: "Link scanner", tone: "amber" },
  unknown: { label: "Uncertain", tone: "slate" },
};

const REASON_KIND: Record<string, string> = { ua: "User agent", net: "Network", timing: "Timing", client: "Client", pattern: "Pattern", honeypot: "Honeypot" };

/** "net:apple-relay" → "Network: apple-relay"; an unknown prefix is shown as it is. */
function reasonText(reason: string): string {
  const i = reason.indexOf(":");
  const kind = i > 0 ? REASON_KIND[reason.slice(0, i)] : undefined;
  return kind ? `${kind}: ${reason.slice(i + 1)}` : reason;
}

/** Who fetched an open or click, with the reasons in a disclosure (keyboard and screen readers reach it). */
function EngagementClassBadge({ e }: { e: TimelineEvent }) {
  if (!e.engagementClass) return null;
  const c = CLASS_LABEL[e.engagementClass] ?? { label: e.engagementClass, tone: "slate" as const };
  const reasons = e.engagementReasons ?? [];
  return (
    <details className="group inline-block text-xs" data-testid="engagement-class" data-class={e.engagementClass}>
      <summary className="inline-flex min-h-6 cursor-pointer list-none items-center gap-1">
        <Badge tone={c.tone}>{c.label}</Badge>
        {reasons.length ? <span className="text-brand-700 group-open:underline">why</span> : null}
      </summary>
      {reasons.length ? (
        <ul className="mt-1 list-disc space-y-0.5 pl-5 text-slate-600">
          {reasons.map((r) => (
            <li key={r} className="wrap-anywhere">
              {reasonText(r)}
            </li>
          ))}
          {e.engagementRulesVersion ? <li className="list-none text-slate-500">rules {e.engagementRulesVersion}</li> : null}
        </ul>
      ) : null}
    </details>
  );
}

const LABEL: Record<string, string> = { Delivery: "Delivered", Open: "Opened", Click: "Clicked", Bounce: "Bounced", SpamComplaint: "Spam complaint", SubscriptionChange: "Subscription changed" };

function summary(e: TimelineEvent): string {
  const d = e.details;
  if (e.recordType === "Click" && d.link) return String(d.link);
  if (e.recordType === "Bounce") return [d.type, d.description].filter(Boolean).join(": ");
  if (e.recordType === "Open") return [d.client, d.platform].filter(Boolean).join(" · ");
  if (e.recordType === "SubscriptionChange") return `${d.suppressSending ? "Suppressed" : "Reactivated"}${d.reason ? ` (${d.reason})` : ""}`;
  return "";
}

/**
 * The events of one message, oldest first. Raw JSON is pretty-printed as text (React escapes it), so a
 * payload carrying markup can never run in the page.
 */
export function EventTimeline({ events, zone }: { events: TimelineEvent[]; zone: string }) {
  return (
    <ol className="relative space-y-4 border-l border-slate-200 pl-6">
      {events.map((e) => (
        <li key={e.id} className="relative">
          <span className="absolute -left-[1.9rem] top-1.5 h-3 w-3 rounded-full border-2 border-white bg-brand-500" />
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <span className="font-semibold text-slate-900">{LABEL[e.recordType] ?? e.recordType}</span>
            <Time value={e.occurredAt} zone={zone} className="text-slate-500" />
            <Badge tone={e.source === "webhook" ? "blue" : "amber"}>{e.source === "webhook" ? "webhook" : "reconciliation"}</Badge>
            <EngagementClassBadge e={e} />
          </div>
          {summary(e) ? <p className="mt-0.5 wrap-anywhere text-sm text-slate-600">{summary(e)}</p> : null}
          {e.raw == null ? (
            <p className="mt-1 text-xs text-slate-500">Raw JSON no longer kept (older than the retention); the fields above are.</p>
          ) : (
            <details className="mt-1">
              <summary className="flex min-h-6 cursor-pointer items-center text-xs text-brand-700">Raw JSON as received</summary>
              <pre className="mt-1 max-h-96 overflow-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100" data-testid="raw-json">
                {JSON.stringify(e.raw, null, 2)}
              </pre>
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}
