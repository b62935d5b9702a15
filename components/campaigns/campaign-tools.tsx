"use client";

import { useActionState, useState } from "react";
import { duplicateCampaignAction, saveAsTemplateAction, testSendAction } from "@/app/(dashboard)/campaigns/actions";
import { ContactPicker } from "@/components/campaigns/contact-picker";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import type { PreviewContact } from "@/lib/campaigns/preview";
import { MAX_TEST_ADDRESSES } from "@/lib/campaigns/preview-recipients";

/** Test send, duplicate and save as template: what a campaign offers whatever its status. */
export function CampaignTools({ campaignId, campaignName, listIds, defaultTo }: { campaignId: string; campaignName: string; listIds: string[]; defaultTo: string }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <TestSendForm campaignId={campaignId} listIds={listIds} defaultTo={defaultTo} />
      <div className="min-w-0 space-y-6">
        <SaveAsTemplateForm campaignId={campaignId} campaignName={campaignName} />
        <DuplicateForm campaignId={campaignId} />
      </div>
    </div>
  );
}

function TestSendForm({ campaignId, listIds, defaultTo }: { campaignId: string; listIds: string[]; defaultTo: string }) {
  const [state, action, pending] = useActionState(testSendAction, null);
  const [contact, setContact] = useState<PreviewContact | null>(null);
  const error = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form action={action} aria-labelledby="test-send-heading" className="min-w-0 space-y-3">
      <h3 id="test-send-heading" className="text-sm font-semibold text-slate-900">
        Send a test
      </h3>
      <input type="hidden" name="campaignId" value={campaignId} />
      <div className="space-y-1">
        <label htmlFor="test-to" className="block text-sm font-medium text-slate-700">
          Send a test to
        </label>
        <textarea
          id="test-to"
          name="to"
          rows={2}
          required
          defaultValue={defaultTo}
          aria-invalid={error?.to ? true : undefined}
          aria-describedby="test-to-hint"
          className={inputClass}
        />
        <p id="test-to-hint" className={`text-xs ${error?.to ? "text-red-600" : "text-slate-500"}`}>
          {error?.to ?? `Up to ${MAX_TEST_ADDRESSES} addresses, separated by commas or lines. "[Test]" goes before the subject; tests never count in the campaign's numbers.`}
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

function SaveAsTemplateForm({ campaignId, campaignName }: { campaignId: string; campaignName: string }) {
  const [state, action, pending] = useActionState(saveAsTemplateAction, null);
  const error = state && !state.ok ? state.fieldErrors?.name : undefined;
  return (
    <form action={action} aria-labelledby="template-heading" className="space-y-2">
      <h3 id="template-heading" className="text-sm font-semibold text-slate-900">
        Save as template
      </h3>
      <input type="hidden" name="campaignId" value={campaignId} />
      <div className="flex flex-wrap items-end gap-2">
        <label className="min-w-48 flex-1 text-sm">
          <span className="mb-1 block font-medium text-slate-700">Template name</span>
          <input name="name" required maxLength={200} defaultValue={campaignName} aria-invalid={error ? true : undefined} className={inputClass} />
        </label>
        <Button type="submit" variant="secondary" disabled={pending}>
          {pending ? "Saving…" : "Save as template"}
        </Button>
      </div>
      <FormStatus state={state} />
    </form>
  );
}

function DuplicateForm({ campaignId }: { campaignId: string }) {
  const [state, action, pending] = useActionState(duplicateCampaignAction, null);
  return (
    <form action={action} aria-labelledby="duplicate-heading" className="space-y-2">
      <h3 id="duplicate-heading" className="text-sm font-semibold text-slate-900">
        Duplicate
      </h3>
      <p className="text-sm text-slate-600">A new draft with this content, sender and audience, named “Copy of …”.</p>
      <input type="hidden" name="campaignId" value={campaignId} />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="secondary" disabled={pending}>
          {pending ? "Duplicating…" : "Duplicate campaign"}
        </Button>
        <FormStatus state={state} />
      </div>
    </form>
  );
}
