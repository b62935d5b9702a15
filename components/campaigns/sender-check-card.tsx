import { overrideSenderCheckAction, recheckSenderAction } from "@/app/(dashboard)/campaigns/actions";
import { Badge, Card } from "@/components/ui/card";
import { formatNumber } from "@/components/ui/format";
import { InlineAction } from "@/components/ui/inline-action";
import { Time } from "@/components/ui/time";
import type { SenderCheck } from "@/db/schema";

const LABEL: Record<string, string> = {
  verified: "verified",
  unverified: "not verified",
  not_found: "not in Postmark",
  unknown: "could not check",
  not_checked: "not checked (no account token)",
  present: "published",
  missing: "missing",
};
const tone = (v: string) => (v === "verified" || v === "present" ? "green" : v === "not_checked" ? "slate" : "amber");

/**
 * The sender check on the campaign page (lib/sender-checks): the From domain's DKIM, Return-Path and
 * DMARC as last checked, what to fix, and the admin's override (recorded: who and when).
 */
export function SenderCheckCard(props: {
  campaignId: string;
  check: SenderCheck | null;
  overrideBy: string | null;
  overrideAt: Date | null;
  editable: boolean;
  isAdmin: boolean;
  threshold: number;
  zone: string;
}) {
  const { check } = props;
  const failing = Boolean(check?.problems.length);
  return (
    <Card
      title="Sender check"
      description={`Campaigns to more than ${formatNumber(props.threshold)} recipients need a From domain ready for bulk mail: DKIM and Return-Path verified in Postmark, and a DMARC record.`}
    >
      <div className="space-y-3 text-sm" data-testid="sender-check">
        {check ? (
          <>
            <dl className="grid grid-cols-1 gap-2 sm:grid-cols-3">
              {(
                [
                  ["DKIM", check.dkim],
                  ["Return-Path", check.returnPath],
                  ["DMARC", check.dmarc],
                ] as const
              ).map(([label, value]) => (
                <div key={label} className="flex items-center gap-2">
                  <dt className="font-medium text-slate-700">{label}</dt>
                  <dd>
                    <Badge tone={tone(value)}>{LABEL[value] ?? value}</Badge>
                  </dd>
                </div>
              ))}
            </dl>
            <p className="text-slate-500">
              {check.domain}, checked <Time value={new Date(check.checkedAt)} zone={props.zone} />
            </p>
            {failing ? (
              <div role="note" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-amber-900">
                <p className="font-medium">To fix:</p>
                <ul className="mt-1 list-disc space-y-1 pl-5 wrap-anywhere">
                  {check.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </div>
            ) : null}
          </>
        ) : (
          <p className="text-slate-600">Not checked yet: it runs when a campaign over the threshold is sent or scheduled.</p>
        )}
        {props.overrideAt ? (
          <p data-testid="sender-override">
            <Badge tone="amber">overridden</Badge>
            <span className="ml-2 text-slate-700">
              by {props.overrideBy} <Time value={props.overrideAt} zone={props.zone} />: this campaign is sent despite the check.
            </span>
          </p>
        ) : null}
        {props.editable ? (
          <div className="flex flex-wrap items-start gap-3">
            <InlineAction action={recheckSenderAction} fields={{ campaignId: props.campaignId }} label="Check again" />
            {props.isAdmin && !props.overrideAt && failing ? (
              <InlineAction action={overrideSenderCheckAction} fields={{ campaignId: props.campaignId }} label="Override for this campaign" />
            ) : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}
