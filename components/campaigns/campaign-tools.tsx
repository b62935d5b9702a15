"use client";

import { useActionState } from "react";
import { duplicateCampaignAction, saveAsTemplateAction, testSendAction } from "@/app/(dashboard)/campaigns/actions";
import { TestSendForm } from "@/components/campaigns/test-send-form";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

/** Test send, duplicate and save as template: what a campaign offers whatever its status. */
export function CampaignTools({ campaignId, campaignName, listIds, defaultTo }: { campaignId: string; campaignName: string; listIds: string[]; defaultTo: string }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <TestSendForm action={testSendAction} fields={{ campaignId }} listIds={listIds} defaultTo={defaultTo} note="tests never count in the campaign's numbers" />
      <div className="min-w-0 space-y-6">
        <SaveAsTemplateForm campaignId={campaignId} campaignName={campaignName} />
        <DuplicateForm campaignId={campaignId} />
      </div>
    </div>
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
