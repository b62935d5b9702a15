"use client";

import { createFormAction, updateFormAction } from "@/app/(dashboard)/forms/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { describe, Field, FieldMessages, inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export interface FormEditorValues {
  id?: string;
  name: string;
  emailLabel: string;
  askName: boolean;
  nameLabel: string;
  nameRequired: boolean;
  custom: { name: string; label: string; required: boolean }[];
  heading: string;
  intro: string;
  consentText: string;
  submitLabel: string;
  doubleOptIn: boolean;
  confirmationSubject: string;
  confirmationHtml: string;
  confirmationText: string;
  thankYouMessage: string;
  thankYouUrl: string;
  confirmedMessage: string;
  confirmedUrl: string;
  allowedOrigins: string[];
  listIds: string[];
  tags: string[];
}

function TextArea({ label, name, error, hint, rows = 3, defaultValue, mono }: { label: string; name: string; error?: string; hint?: string; rows?: number; defaultValue: string; mono?: boolean }) {
  const id = `field-${name}`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea id={id} name={name} rows={rows} defaultValue={defaultValue} {...describe(id, error, hint).control} className={`${inputClass} ${mono ? "font-mono text-xs" : ""}`} />
      <FieldMessages id={id} error={error} hint={hint} />
    </div>
  );
}

function Check({ name, label, defaultChecked, hint }: { name: string; label: string; defaultChecked: boolean; hint?: string }) {
  return (
    <label className="flex items-start gap-2 text-sm text-slate-700">
      <input type="checkbox" name={name} defaultChecked={defaultChecked} className="mt-0.5 size-4 accent-brand-600" />
      <span>
        <span className="font-medium">{label}</span>
        {hint ? <span className="block text-xs text-slate-500">{hint}</span> : null}
      </span>
    </label>
  );
}

/** Create or edit a signup form: what it asks, what it says, where subscribers go, and who may post it. */
export function FormEditor({ initial, lists }: { initial: FormEditorValues; lists: { id: string; name: string }[] }) {
  const editing = Boolean(initial.id);
  const { state, pending, errors, formProps } = useActionForm(editing ? updateFormAction.bind(null, initial.id!) : createFormAction);
  const rows = [...initial.custom, ...Array.from({ length: 3 }, () => ({ name: "", label: "", required: false }))];
  const chosen = new Set(initial.listIds);
  return (
    <form {...formProps} className="space-y-6" aria-label={editing ? "Edit form" : "Create a form"}>
      <Card title="Form">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Name (only you see it)" name="name" required defaultValue={initial.name} error={errors.name} />
          <Field label="Page heading" name="heading" required defaultValue={initial.heading} error={errors.heading} />
        </div>
        <div className="mt-4 space-y-4">
          <TextArea label="Introduction" name="intro" defaultValue={initial.intro} error={errors.intro} hint="Shown under the heading. Leave a blank line between paragraphs." />
        </div>
      </Card>

      <Card title="Fields" description="The email address is always asked and required. Custom fields are stored on the contact (letters, digits and _ in their names).">
        <div className="space-y-4">
          <Field label="Email field's label" name="email_label" required defaultValue={initial.emailLabel} error={errors.email_label} />
          <fieldset className="space-y-2 rounded-md border border-slate-200 p-3">
            <legend className="px-1 text-sm font-medium text-slate-700">Name</legend>
            <Check name="ask_name" label="Ask for a name" defaultChecked={initial.askName} />
            <div className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end">
              <Field label="Name field's label" name="name_label" defaultValue={initial.nameLabel} error={errors.name_label} />
              <Check name="name_required" label="Required" defaultChecked={initial.nameRequired} />
            </div>
          </fieldset>
          <fieldset className="space-y-3 rounded-md border border-slate-200 p-3">
            <legend className="px-1 text-sm font-medium text-slate-700">Custom fields</legend>
            {rows.map((row, i) => (
              <div key={i} className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-end">
                <Field label={`Field ${i + 1}: name`} name={`custom_name_${i}`} defaultValue={row.name} error={errors[`custom_name_${i}`]} placeholder="company" />
                <Field label={`Field ${i + 1}: label`} name={`custom_label_${i}`} defaultValue={row.label} error={errors[`custom_label_${i}`]} placeholder="Company" />
                <Check name={`custom_required_${i}`} label="Required" defaultChecked={row.required} />
              </div>
            ))}
          </fieldset>
          <TextArea label="Consent text (shown above the button)" name="consent_text" defaultValue={initial.consentText} error={errors.consent_text} hint="Kept with every signup exactly as shown, as the subscriber's consent." />
          <Field label="Button label" name="submit_label" required defaultValue={initial.submitLabel} error={errors.submit_label} />
        </div>
      </Card>

      <Card title="Subscribers join">
        <div className="space-y-4">
          <fieldset aria-describedby={errors.list_ids ? "field-list_ids-error" : undefined}>
            <legend className="text-sm font-medium text-slate-700">Lists</legend>
            {errors.list_ids ? (
              <p id="field-list_ids-error" className="text-sm text-red-600">
                {errors.list_ids}
              </p>
            ) : null}
            {lists.length ? (
              <div className="mt-2 grid gap-2 sm:grid-cols-2">
                {lists.map((l) => (
                  <label key={l.id} className="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="list_ids" value={l.id} defaultChecked={chosen.has(l.id)} className="size-4 accent-brand-600" />
                    <span className="wrap-anywhere">{l.name}</span>
                  </label>
                ))}
              </div>
            ) : (
              <p className="mt-1 text-sm text-slate-500">No lists yet: subscribers join no list (create lists on the Contacts page).</p>
            )}
          </fieldset>
          <Field label="Tags" name="tags" defaultValue={initial.tags.join(", ")} error={errors.tags} hint="Comma-separated; missing tags are created." />
        </div>
      </Card>

      <Card title="Double opt-in and the confirmation email">
        <div className="space-y-4">
          <Check name="double_opt_in" label="Double opt-in (recommended)" defaultChecked={initial.doubleOptIn} hint="New subscribers stay pending until they open the link in the confirmation email and press Confirm." />
          <Field label="Subject" name="confirmation_subject" required defaultValue={initial.confirmationSubject} error={errors.confirmation_subject} />
          <TextArea label="HTML" name="confirmation_html" rows={5} mono defaultValue={initial.confirmationHtml} error={errors.confirmation_html} hint="Put {{ confirm_url }} where the link goes." />
          <TextArea label="Plain text" name="confirmation_text" rows={5} mono defaultValue={initial.confirmationText} error={errors.confirmation_text} hint="Put {{ confirm_url }} where the link goes." />
        </div>
      </Card>

      <Card title="After submitting and confirming">
        <div className="grid gap-4 sm:grid-cols-2">
          <TextArea label="Thank-you message" name="thank_you_message" defaultValue={initial.thankYouMessage} error={errors.thank_you_message} />
          <Field label="Or redirect after submitting to (optional)" name="thank_you_url" type="url" defaultValue={initial.thankYouUrl} error={errors.thank_you_url} placeholder="https://example.com/thanks" />
          <TextArea label="Confirmed message" name="confirmed_message" defaultValue={initial.confirmedMessage} error={errors.confirmed_message} />
          <Field label="Or redirect after confirming to (optional)" name="confirmed_url" type="url" defaultValue={initial.confirmedUrl} error={errors.confirmed_url} placeholder="https://example.com/welcome" />
        </div>
      </Card>

      <Card title="Embedding">
        <TextArea label="Allowed origins" name="allowed_origins" defaultValue={initial.allowedOrigins.join("\n")} error={errors.allowed_origins} hint="One per line, such as https://www.example.com. Browsers on other sites cannot post this form; Postline's own hosted page always can." />
      </Card>

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : editing ? "Save changes" : "Create form"}
        </Button>
        <FormStatus state={state} />
      </div>
    </form>
  );
}
