"use client";

import Link from "next/link";
import { sendSingleEmailAction } from "@/app/(dashboard)/messages/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { describe, Field, FieldMessages, inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export function SingleEmailForm({ defaultFrom }: { defaultFrom: string }) {
  // Cleared only once the email went out.
  const { state, pending, errors, formProps } = useActionForm(sendSingleEmailAction, { resetOnSuccess: true });
  return (
    <form {...formProps} className="max-w-2xl space-y-4" aria-label="Send an email">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="To" name="to" type="email" required error={errors.to} />
        <Field label="From" name="from" defaultValue={defaultFrom} error={errors.from} />
      </div>
      <Field label="Subject" name="subject" required error={errors.subject} />
      <div className="space-y-1">
        <label htmlFor="single-html" className="block text-sm font-medium text-slate-700">
          HTML body
        </label>
        <textarea id="single-html" name="html" rows={8} aria-invalid={errors.html ? true : undefined} aria-describedby="single-html-help" className={`${inputClass} font-mono text-xs`} />
        <p id="single-html-help" className={`text-xs ${errors.html ? "text-red-600" : "text-slate-500"}`}>
          {errors.html ??
            'Personalised from the recipient\'s contact: {{ name }}, {{ email }}, {{ fields.x }}, {{ unsubscribe_url }}; fallbacks: {{ name | default: "there" }}. With no contact for the address, only {{ email }}, {{ unsubscribe_url }} and variables with a fallback are allowed.'}
        </p>
      </div>
      <div className="space-y-1">
        <label htmlFor="single-text" className="block text-sm font-medium text-slate-700">
          Plain-text body
        </label>
        <textarea id="single-text" name="text" rows={5} {...describe("single-text", errors.text, "hint").control} className={`${inputClass} font-mono text-xs`} />
        <FieldMessages id="single-text" error={errors.text} hint="Give either or both; plain text is derived from HTML when empty." />
      </div>
      <fieldset className="flex flex-wrap gap-x-6 gap-y-2">
        <legend className="sr-only">Tracking</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="track_opens" defaultChecked />
          Track opens
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="track_links" defaultChecked />
          Track link clicks
        </label>
      </fieldset>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Sending…" : "Send"}
        </Button>
        <FormStatus state={state} />
        {state?.ok && state.data ? (
          <Link href={`/messages/${state.data.messageId}`} className="text-sm text-brand-700 hover:underline">
            Open the message
          </Link>
        ) : null}
      </div>
    </form>
  );
}
