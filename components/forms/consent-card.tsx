import Link from "next/link";
import { Badge, Card } from "@/components/ui/card";
import { Time } from "@/components/ui/time";

export interface ConsentRecord {
  id: string;
  formId: string;
  formName: string;
  submittedAt: Date;
  submittedIp: string;
  submittedUserAgent: string;
  shownText: string;
  expiresAt: Date | null;
  confirmedAt: Date | null;
  confirmedIp: string | null;
  confirmedUserAgent: string | null;
}

/** A contact's signups through forms: when, from where, with what browser, and the exact text shown. */
export function ConsentCard({ records, zone, now }: { records: ConsentRecord[]; zone: string; now: Date }) {
  if (records.length === 0) return null;
  return (
    <Card title="Consent" description="Each signup through a form, with the text the form showed when the person subscribed.">
      <ol className="space-y-5">
        {records.map((r) => {
          const expired = !r.confirmedAt && r.expiresAt !== null && r.expiresAt.getTime() <= now.getTime();
          return (
            <li key={r.id} className="space-y-2 border-b border-slate-100 pb-4 last:border-0 last:pb-0" data-testid="consent-record">
              <p className="flex flex-wrap items-center gap-2 text-sm">
                <Link href={`/forms/${r.formId}`} className="font-medium text-brand-700 hover:underline">
                  {r.formName}
                </Link>
                {r.confirmedAt ? <Badge tone="green">confirmed</Badge> : expired ? <Badge>link expired</Badge> : <Badge tone="amber">awaiting confirmation</Badge>}
              </p>
              <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
                <dt className="text-slate-500">Signed up</dt>
                <dd className="wrap-anywhere">
                  <Time value={r.submittedAt} zone={zone} /> from {r.submittedIp}
                  <span className="block text-xs text-slate-500">{r.submittedUserAgent || "no user agent"}</span>
                </dd>
                <dt className="text-slate-500">Confirmed</dt>
                <dd className="wrap-anywhere">
                  {r.confirmedAt ? (
                    <>
                      <Time value={r.confirmedAt} zone={zone} /> from {r.confirmedIp}
                      <span className="block text-xs text-slate-500">{r.confirmedUserAgent || "no user agent"}</span>
                    </>
                  ) : r.expiresAt ? (
                    <>not yet (the link {expired ? "expired" : "expires"} <Time value={r.expiresAt} zone={zone} />)</>
                  ) : (
                    "—"
                  )}
                </dd>
              </dl>
              <details className="text-sm">
                <summary className="cursor-pointer text-slate-700">Text the form showed</summary>
                <pre className="mt-2 whitespace-pre-wrap rounded-md bg-slate-50 p-3 font-sans text-xs text-slate-800 wrap-anywhere">{r.shownText}</pre>
              </details>
            </li>
          );
        })}
      </ol>
    </Card>
  );
}
