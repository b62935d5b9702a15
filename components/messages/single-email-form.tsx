"use client";

import { useActionState } from "react";
import { sendSingleEmailAction } from "@/app/(dashboard)/messages/actions";
import { Button } from "@/components/ui/button";
import { Field, inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export function SingleEmailForm({ defaultFrom }: { defaultFrom: string }) {
  const [state, action, pending] = useActionState(sendSingleEmailAction, null);
  const errors = state && !state.ok ? state.fieldErrors ?? {} : {};
  return (
    <form action={action} className="max-w-2xl space-y-4" aria-label="Send an email">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="To" name="to" type="email" required error={errors.to} />
        <Field label="From" name="from" defaultValue={defaultFrom} error={errors.from} />
      </div>
      <Field label="Subject" name="subject" required error={errors.subject} />
      <div className="space-y-1">
        <label htmlFor="single-html" className="block text-sm font-medium text-slate-700">
          HTML body
        </label>
        <textarea id="single-html" name="html" rows={8} className={`${inputClass} font-mono text-xs`} />
      </div>
      <div className="space-y-1">
        <label htmlFor="single-text" className="block text-sm font-medium text-slate-700">
          Plain-text body
        </label>
        <textarea id="single-text" name="text" rows={5} aria-invalid={errors.text ? true : undefined} className={`${inputClass} font-mono text-xs`} />
        {errors.text ? <p className="text-sm text-red-600">{errors.text}</p> : <p className="text-xs text-slate-500">Give either or both; plain text is derived from HTML when empty.</p>}
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Sending…" : "Send"}
        </Button>
        <FormStatus state={state} />
      </div>
    </form>
  );
}
