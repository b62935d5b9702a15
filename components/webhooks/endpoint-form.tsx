"use client";

import { createEndpointAction, updateEndpointAction } from "@/app/(dashboard)/webhooks/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import { EVENT_DESCRIPTIONS, WEBHOOK_EVENT_TYPES } from "@/lib/outbound-webhooks/events";

export interface EndpointFormValues {
  id?: string;
  url: string;
  events: string[];
  rateLimit: number;
  rateLimitPeriod: string;
  description: string;
}

/** Create or edit an endpoint: URL, the events it receives (several at once), and its rate limit. */
export function EndpointForm({ initial }: { initial?: EndpointFormValues }) {
  const editing = Boolean(initial?.id);
  // A new endpoint's page opens on success (the action redirects); an edited one keeps what was saved.
  const { state, pending, errors, formProps } = useActionForm(editing ? updateEndpointAction : createEndpointAction);
  const chosen = new Set(initial?.events ?? ["Email.Delivered"]);
  const prefix = editing ? "edit" : "new";
  return (
    <form {...formProps} className="space-y-4" aria-label={editing ? "Edit endpoint" : "Create an endpoint"}>
      {initial?.id ? <input type="hidden" name="endpointId" value={initial.id} /> : null}
      <Field id={editing ? "edit-url" : "new-url"} label="Endpoint URL" name="url" type="url" required defaultValue={initial?.url} placeholder="https://example.com/hooks/postline" error={errors.url} hint="Postline posts here. The verification file goes in the same folder." />
      <fieldset aria-describedby={errors.events ? `${prefix}-events-error` : undefined}>
        <legend className="text-sm font-medium text-slate-700">Events</legend>
        {errors.events ? (
          <p id={`${prefix}-events-error`} className="text-sm text-red-600">
            {errors.events}
          </p>
        ) : null}
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {WEBHOOK_EVENT_TYPES.map((e) => (
            <label key={e} className="flex items-start gap-2 text-sm">
              <input type="checkbox" name="events" value={e} defaultChecked={chosen.has(e)} aria-invalid={errors.events ? true : undefined} className="mt-0.5" />
              <span>
                <span className="font-mono text-xs text-slate-900">{e}</span>
                <span className="block text-xs text-slate-500">{EVENT_DESCRIPTIONS[e]}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field id={editing ? "edit-rate" : "new-rate"} label="Rate limit" name="rate_limit" type="number" min={1} max={100000} required defaultValue={initial?.rateLimit ?? 10} error={errors.rate_limit} hint="Requests at most; the rest wait." />
        <SelectField id={editing ? "edit-period" : "new-period"} label="Per" name="rate_limit_period" defaultValue={initial?.rateLimitPeriod ?? "second"} error={errors.rate_limit_period}>
          <option value="second">second</option>
          <option value="minute">minute</option>
          <option value="hour">hour</option>
          <option value="day">day</option>
        </SelectField>
        <Field id={editing ? "edit-description" : "new-description"} label="Description" name="description" defaultValue={initial?.description} error={errors.description} />
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : editing ? "Save changes" : "Create endpoint"}
        </Button>
        <FormStatus state={state && (state.ok || !state.fieldErrors) ? state : null} />
      </div>
    </form>
  );
}
