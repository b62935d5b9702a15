"use client";

import { replayRangeAction } from "@/app/(dashboard)/webhooks/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

/** Replays every failed delivery created between two times (UTC). */
export function ReplayRangeForm({ endpointId, defaultFrom, defaultTo }: { endpointId: string; defaultFrom: string; defaultTo: string }) {
  const { state, pending, errors, formProps } = useActionForm(replayRangeAction);
  return (
    <form {...formProps} className="flex flex-wrap items-end gap-3" aria-label="Replay failed deliveries">
      <input type="hidden" name="endpointId" value={endpointId} />
      <Field id="replay-from" label="Failed from (UTC)" name="from" type="datetime-local" defaultValue={defaultFrom} required error={errors.from} />
      <Field id="replay-to" label="to (UTC)" name="to" type="datetime-local" defaultValue={defaultTo} required error={errors.to} />
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Queuing…" : "Replay failed deliveries"}
      </Button>
      <FormStatus state={state && (state.ok || !state.fieldErrors) ? state : null} />
    </form>
  );
}
