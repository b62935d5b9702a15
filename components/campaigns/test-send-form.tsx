"use client";

import { useActionState, useId, useState } from "react";
import { ContactPicker } from "@/components/campaigns/contact-picker";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import type { ActionResult } from "@/lib/app/action-result";
import type { PreviewContact } from "@/lib/campaigns/preview";
import { MAX_TEST_ADDRESSES } from "@/lib/campaigns/preview-recipients";

/**
 * "Send a test" (a campaign's, a sequence email's): addresses, a contact to personalize as, and `fields`
 * as hidden inputs naming what is tested. The action reads `to` and `contactId`.
 */
export function TestSendForm({
  action: serverAction,
  fields,
  listIds,
  defaultTo,
  note,
}: {
  action: (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;
  fields: Record<string, string>;
  listIds: string[];
  defaultTo: string;
  /** What the test is not (e.g. "tests never count in the campaign's numbers"). */
  note: string;
}) {
  const id = useId();
  const [state, action, pending] = useActionState(serverAction, null);
  const [contact, setContact] = useState<PreviewContact | null>(null);
  const error = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form action={action} aria-labelledby={`${id}-heading`} className="min-w-0 space-y-3">
      <h3 id={`${id}-heading`} className="text-sm font-semibold text-slate-900">
        Send a test
      </h3>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <div className="space-y-1">
        <label htmlFor={`${id}-to`} className="block text-sm font-medium text-slate-700">
          Send a test to
        </label>
        <textarea
          id={`${id}-to`}
          name="to"
          rows={2}
          required
          defaultValue={defaultTo}
          aria-invalid={error?.to ? true : undefined}
          aria-describedby={`${id}-to-hint`}
          className={inputClass}
        />
        <p id={`${id}-to-hint`} className={`text-xs ${error?.to ? "text-red-600" : "text-slate-500"}`}>
          {error?.to ?? `Up to ${MAX_TEST_ADDRESSES} addresses, separated by commas or lines. "[Test]" goes before the subject; ${note}.`}
        </p>
      </div>
      <ContactPicker label="Personalize as" name="contactId" listIds={listIds} value={contact} onChange={setContact} hint="A contact of the audience, or sample values (Ada Lovelace) when none is chosen." />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="secondary" disabled={pending}>
          {pending ? "Sending…" : "Send test"}
        </Button>
        <FormStatus state={state} />
      </div>
    </form>
  );
}
