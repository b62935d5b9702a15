"use client";

import { sendWebhookTestAction } from "@/app/(dashboard)/settings/webhook-test-action";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { FormStatus } from "@/components/ui/form-status";

export function WebhookTestButton() {
  const { state, pending, formProps } = useActionForm(sendWebhookTestAction);
  return (
    <form {...formProps} className="flex flex-wrap items-center gap-3" aria-label="Send a test event through Postmark's webhook">
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Sending…" : "Send a test event"}
      </Button>
      <FormStatus state={state} />
    </form>
  );
}
