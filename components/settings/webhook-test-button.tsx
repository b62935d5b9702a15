"use client";

import { useActionState } from "react";
import { sendWebhookTestAction } from "@/app/(dashboard)/settings/webhook-test-action";
import { Button } from "@/components/ui/button";
import { FormStatus } from "@/components/ui/form-status";

export function WebhookTestButton() {
  const [state, action, pending] = useActionState(sendWebhookTestAction, null);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Sending…" : "Send a test event"}
      </Button>
      <FormStatus state={state} />
    </form>
  );
}
