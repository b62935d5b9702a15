import { ConnectPostmarkButton } from "@/components/settings/connect-postmark-button";
import { Badge, Card } from "@/components/ui/card";
import type { WebhooksStatus } from "@/lib/postmark-admin/webhooks-status";
import type { StreamWebhookStatus } from "@/lib/postmark-admin/webhooks";

function stateBadge(s: StreamWebhookStatus) {
  if (s.state === "ok") return <Badge tone="green">Connected</Badge>;
  if (s.state === "missing") return <Badge tone="amber">Not set up</Badge>;
  if (s.state === "unavailable") return <Badge tone="red">Cannot read Postmark</Badge>;
  if (s.problems.every((p) => p.code === "secret_previous")) return <Badge tone="amber">Rotation to finish</Badge>;
  return <Badge tone="red">Changed in Postmark</Badge>;
}

/**
 * Settings → Postmark: each stream's webhook as Postmark has it now (read through the Webhooks API on
 * every visit), what differs, and one button that creates or corrects them. The manual set-up stays
 * below for an admin who prefers Postmark's UI; `manual` is that part, `children` more actions beside the button.
 */
export function PostmarkWebhooksCard({ status, manual, children }: { status: WebhooksStatus; manual: React.ReactNode; children?: React.ReactNode }) {
  const anyMissing = status.streams.some((s) => s.state === "missing");
  const label = status.ok ? "Sync again" : anyMissing ? "Connect Postmark" : "Correct in Postmark";
  const { rotation } = status;
  return (
    <Card
      id="postmark"
      title="Postmark webhooks"
      description={`Postmark posts each stream's events to ${status.url}, with the X-Webhook-Secret header, basic auth when set, and all six triggers.`}
    >
      <ul className="divide-y divide-slate-100" aria-label="Webhook per stream">
        {status.streams.map((s) => (
          <li key={s.stream} className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2 py-3 first:pt-0">
            <div className="min-w-0">
              <p className="text-sm font-medium text-slate-900">
                Stream <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">{s.stream}</code>
                {s.webhookId ? <span className="ml-2 text-xs font-normal text-slate-500">webhook {s.webhookId}</span> : null}
              </p>
              {s.state === "ok" ? (
                <p className="mt-1 text-sm text-slate-600">As Postline needs it: URL, secret header, auth, all six triggers, every open (not the first only).</p>
              ) : null}
              {s.error ? <p className="mt-1 text-sm wrap-anywhere text-red-700">{s.error.message}</p> : null}
              {s.state !== "ok" && s.problems.length ? (
                <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm wrap-anywhere text-slate-700">
                  {s.problems.map((p) => (
                    <li key={p.code}>{p.message}</li>
                  ))}
                </ul>
              ) : null}
            </div>
            {stateBadge(s)}
          </li>
        ))}
      </ul>
      {rotation.previousSecretAccepted ? (
        <p className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" role="note">
          Secret rotation: POSTMARK_WEBHOOK_SECRET_PREVIOUS is set, so both secrets are accepted.{" "}
          {rotation.streamsOnPreviousSecret.length
            ? `Postmark still sends the previous one on ${rotation.streamsOnPreviousSecret.join(", ")}: press the button to move it to the new one.`
            : "Postmark sends the new one everywhere: remove POSTMARK_WEBHOOK_SECRET_PREVIOUS an hour from now, once Postmark's retries of older events are over."}
        </p>
      ) : null}
      <div className="mt-4 border-t border-slate-100 pt-4">
        <div className="space-y-3">
          <ConnectPostmarkButton label={label} />
          {children}
        </div>
        <p className="mt-2 text-xs text-slate-500">Checked {status.checkedAt.replace("T", " ").slice(0, 19)} UTC. The reconcile cron checks again every run and alerts admins when a webhook is changed in Postmark.</p>
      </div>
      <details className="mt-4 border-t border-slate-100 pt-4">
        <summary className="cursor-pointer text-sm font-medium text-brand-700">Set it up by hand in Postmark instead</summary>
        <div className="mt-3">{manual}</div>
      </details>
    </Card>
  );
}
