"use client";

import { sendTestAction } from "@/app/(dashboard)/webhooks/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { SelectField } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import { WEBHOOK_EVENT_TYPES } from "@/lib/outbound-webhooks/events";

function Block({ title, children, testId }: { title: string; children: string; testId?: string }) {
  return (
    <div>
      <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h4>
      <pre data-testid={testId} className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap wrap-anywhere rounded bg-slate-900 p-3 font-mono text-xs text-slate-100">
        {children}
      </pre>
    </div>
  );
}

/** Sends a test (or a sample of any event) now and shows the whole exchange. */
export function TestTool({ endpointId, disabled }: { endpointId: string; disabled?: string }) {
  // The chosen event stays chosen after each send, refused or not.
  const { state, pending, errors, formProps } = useActionForm(sendTestAction);
  const r = state?.ok ? state.data : undefined;
  return (
    <div className="space-y-4">
      <form {...formProps} className="flex flex-wrap items-end gap-3" aria-label="Send a test event">
        <input type="hidden" name="endpointId" value={endpointId} />
        <div className="w-64 max-w-full">
          <SelectField id="test-event" label="Event to send" name="event" defaultValue="Webhook.Test" error={errors.event}>
            {WEBHOOK_EVENT_TYPES.map((e) => (
              <option key={e} value={e}>
                {e === "Webhook.Test" ? e : `${e} (sample)`}
              </option>
            ))}
          </SelectField>
        </div>
        <Button type="submit" disabled={pending || Boolean(disabled)} title={disabled}>
          {pending ? "Sending…" : "Send test"}
        </Button>
        {disabled ? <p className="text-sm text-slate-500">{disabled}</p> : <FormStatus state={state} />}
      </form>
      {r ? (
        <div className="grid gap-4 lg:grid-cols-2" data-testid="test-result">
          <Block title={`Sent: POST ${r.url}`}>{Object.entries(r.request.headers).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n\n" + r.request.body}</Block>
          <div className="space-y-3">
            <Block title="x-signature signs the raw body (shown left); its value">{r.signatures.xSignature}</Block>
            <Block title="webhook-signature signs this string (id.timestamp.body)" testId="signed-string">{r.signedContent.standardWebhooks}</Block>
            <Block title="webhook-signature">{r.signatures.webhookSignature}</Block>
          </div>
          <div className="lg:col-span-2">
            <Block title={r.response ? `Answer: HTTP ${r.response.status} in ${r.latencyMs} ms` : `No answer: ${r.error}`} testId="test-response">
              {r.response ? Object.entries(r.response.headers).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n\n" + r.response.body : r.error ?? ""}
            </Block>
          </div>
        </div>
      ) : null}
    </div>
  );
}
