"use client";

import Link from "next/link";
import { startTransition, useActionState, useEffect, useRef } from "react";
import { sendSingleEmailAction } from "@/app/(dashboard)/messages/actions";
import { Button } from "@/components/ui/button";
import { Field, inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export function SingleEmailForm({ defaultFrom }: { defaultFrom: string }) {
  const [state, action, pending] = useActionState(sendSingleEmailAction, null);
  const errors = state && !state.ok ? state.fieldErrors ?? {} : {};
  const formRef = useRef<HTMLFormElement>(null);
  // React resets a form after its `action` runs, which would lose the text on an error: submit by
  // hand instead (a prevented submit skips `action`, kept for browsers without JavaScript), and clear
  // the form only once the email went out.
  useEffect(() => {
    if (state?.ok) formRef.current?.reset();
  }, [state]);
  return (
    <form
      ref={formRef}
      action={action}
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        startTransition(() => action(data));
      }}
      className="max-w-2xl space-y-4"
      aria-label="Send an email"
    >
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
        <textarea id="single-text" name="text" rows={5} aria-invalid={errors.text ? true : undefined} className={`${inputClass} font-mono text-xs`} />
        {errors.text ? <p className="text-sm text-red-600">{errors.text}</p> : <p className="text-xs text-slate-500">Give either or both; plain text is derived from HTML when empty.</p>}
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
