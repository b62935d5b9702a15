"use client";

import { cancelCampaignAction, pauseCampaignAction, resumeCampaignAction, scheduleCampaignAction, sendCampaignAction, unscheduleCampaignAction } from "@/app/(dashboard)/campaigns/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { ScheduleFields } from "@/components/campaigns/schedule-fields";
import { FormStatus } from "@/components/ui/form-status";
import type { ActionResult } from "@/lib/app/action-result";
import { formatNumber } from "@/components/ui/format";

type Action = (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;

function ActionForm({ action, campaignId, label, variant = "secondary", confirm, children }: { action: Action; campaignId: string; label: string; variant?: "primary" | "secondary" | "danger"; confirm?: string; children?: (errors: Record<string, string>) => React.ReactNode }) {
  const { state, pending, errors, formProps } = useActionForm(action, { confirm });
  return (
    <form {...formProps} className="flex flex-wrap items-end gap-2">
      <input type="hidden" name="campaignId" value={campaignId} />
      {children?.(errors)}
      <Button type="submit" variant={variant} disabled={pending}>
        {pending ? "Working…" : label}
      </Button>
      <FormStatus state={state && (state.ok || !state.fieldErrors) ? state : null} />
    </form>
  );
}

/**
 * `breakerPause`: a circuit breaker paused it. Only an admin may resume (the server refuses anyone
 * else too); the admin confirms having seen what tripped it.
 */
export function CampaignActions({
  campaignId,
  status,
  recipients,
  timeZones = [],
  breakerPause,
}: {
  campaignId: string;
  status: string;
  recipients: number;
  timeZones?: string[];
  breakerPause?: { canResume: boolean; confirm: string };
}) {
  if (status === "draft" || status === "scheduled") {
    return (
      <div className="space-y-4">
        <ActionForm action={sendCampaignAction} campaignId={campaignId} label={`Send now to ${formatNumber(recipients)}`} variant="primary" confirm={`Send this campaign to ${formatNumber(recipients)} recipients now?`} />
        <ActionForm action={scheduleCampaignAction} campaignId={campaignId} label="Schedule">
          {(errors) => <ScheduleFields timeZones={timeZones} errors={errors} />}
        </ActionForm>
        {status === "scheduled" ? <ActionForm action={unscheduleCampaignAction} campaignId={campaignId} label="Unschedule" /> : null}
        <ActionForm action={cancelCampaignAction} campaignId={campaignId} label="Cancel campaign" variant="danger" confirm="Cancel this campaign? It cannot be sent afterwards." />
      </div>
    );
  }
  if (status === "sending") {
    return (
      <div className="flex flex-wrap gap-3">
        <ActionForm action={pauseCampaignAction} campaignId={campaignId} label="Pause" />
        <ActionForm action={cancelCampaignAction} campaignId={campaignId} label="Cancel the rest" variant="danger" confirm="Stop sending? Recipients not yet sent to will not receive it." />
      </div>
    );
  }
  if (status === "paused") {
    return (
      <div className="flex flex-wrap gap-3">
        {!breakerPause ? (
          <ActionForm action={resumeCampaignAction} campaignId={campaignId} label="Resume" variant="primary" />
        ) : breakerPause.canResume ? (
          <ActionForm action={resumeCampaignAction} campaignId={campaignId} label="Resume as admin" variant="primary" confirm={breakerPause.confirm} />
        ) : null}
        <ActionForm action={cancelCampaignAction} campaignId={campaignId} label="Cancel the rest" variant="danger" confirm="Stop sending? Recipients not yet sent to will not receive it." />
      </div>
    );
  }
  return null;
}
