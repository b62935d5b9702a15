"use client";

import { useState } from "react";
import { setContactSubscriptionAction, updateContactAction } from "@/app/(dashboard)/contacts/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field, inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import { SPAM_COMPLAINT_PERMANENT } from "@/lib/postmark-admin/messages";

/** Name and custom fields (what `{{ name }}` and `{{ fields.x }}` print), edited as rows. */
export function EditContactForm({ contactId, name, fields }: { contactId: string; name: string; fields: Record<string, string> }) {
  const { state, pending, errors, formProps } = useActionForm(updateContactAction.bind(null, contactId));
  const [rows, setRows] = useState(() => {
    const entries = Object.entries(fields).map(([key, value], i) => ({ id: i, key, value }));
    return entries.length ? entries : [{ id: 0, key: "", value: "" }];
  });
  const [nextId, setNextId] = useState(rows.length);
  const addRow = () => {
    setRows([...rows, { id: nextId, key: "", value: "" }]);
    setNextId(nextId + 1);
  };
  return (
    <form {...formProps} className="space-y-4" aria-label="Edit contact">
      <div className="max-w-md">
        <Field id="contact-name" label="Name" name="name" defaultValue={name} maxLength={200} error={errors.name} />
      </div>
      <fieldset className="space-y-2" aria-describedby={errors.fields ? "contact-fields-error" : undefined}>
        <legend className="text-sm font-medium text-slate-700">Custom fields</legend>
        <p className="text-xs text-slate-500">
          Letters, digits and underscores; campaigns print them as <code>{"{{ fields.name }}"}</code>.
        </p>
        {rows.map((row, i) => (
          // On a phone the value takes its own line under the name, so it is never squeezed.
          <div key={row.id} className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-2 sm:grid-cols-[12rem_1fr_auto]">
            <input name="field_key" data-field={`fields.${i}`} aria-label={`Field ${i + 1} name`} aria-invalid={errors[`fields.${i}`] ? true : undefined} aria-describedby={errors[`fields.${i}`] ? "contact-fields-error" : undefined} defaultValue={row.key} className={`${inputClass} font-mono`} maxLength={64} placeholder="city" />
            <input name="field_value" aria-label={`Field ${i + 1} value`} defaultValue={row.value} className={`${inputClass} order-last col-span-2 sm:order-none sm:col-span-1`} maxLength={2000} placeholder="London" />
            <Button variant="ghost" aria-label={`Remove field ${i + 1}`} onClick={() => setRows(rows.filter((r) => r.id !== row.id))}>
              Remove
            </Button>
          </div>
        ))}
        {errors.fields ? (
          <p id="contact-fields-error" role="alert" className="text-sm text-red-600">
            {errors.fields}
          </p>
        ) : null}
        <Button variant="secondary" onClick={addRow}>
          Add a field
        </Button>
      </fieldset>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save contact"}
        </Button>
        <FormStatus state={state && (state.ok || !state.fieldErrors) ? state : null} />
      </div>
    </form>
  );
}

/** Unsubscribe or resubscribe by hand; a bounce or complaint is Postmark's to lift. */
export function SubscriptionControl({ contactId, status }: { contactId: string; status: string }) {
  const { state, pending, formProps } = useActionForm(setContactSubscriptionAction.bind(null, contactId));
  if (status === "complained") {
    return (
      <p role="note" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
        {SPAM_COMPLAINT_PERMANENT}
      </p>
    );
  }
  // A pending contact (a form signup not confirmed yet) can be dropped, never subscribed by hand.
  const next = status === "subscribed" || status === "pending" ? "unsubscribed" : "subscribed";
  return (
    <form {...formProps} className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="status" value={next} />
      <Button type="submit" variant={next === "unsubscribed" ? "danger" : "secondary"} disabled={pending}>
        {next === "unsubscribed" ? "Unsubscribe" : status === "bounced" ? "Reactivate" : "Subscribe again"}
      </Button>
      {status === "bounced" ? <span className="text-sm text-slate-600">Lifts Postmark&apos;s hard-bounce suppression (when Postmark allows it) and subscribes the contact.</span> : null}
      <FormStatus state={state} />
    </form>
  );
}
