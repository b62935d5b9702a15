"use client";

import { syncPostmarkWebhooksAction } from "@/app/(dashboard)/settings/postmark-webhooks-action";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { FormStatus } from "@/components/ui/form-status";

export function ConnectPostmarkButton({ label }: { label: string }) {
  const { state, pending, formProps } = useActionForm(syncPostmarkWebhooksAction);
  return (
    <form {...formProps} className="flex flex-wrap items-center gap-3" aria-label="Create or correct Postline's webhooks in Postmark">
      <Button type="submit" disabled={pending}>
        {pending ? "Connecting…" : label}
      </Button>
      <FormStatus state={state} />
    </form>
  );
}
