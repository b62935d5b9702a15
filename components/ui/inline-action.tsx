"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormStatus } from "@/components/ui/form-status";

type Result = { ok: true; message: string } | { ok: false; error: string };

/** A one-button form for a row action (disable, revoke, …) that shows the action's outcome beside it. */
export function InlineAction({
  action,
  fields,
  label,
  variant = "secondary",
  confirm,
}: {
  action: (prev: Result | null, form: FormData) => Promise<Result>;
  fields: Record<string, string>;
  label: string;
  variant?: "secondary" | "danger";
  confirm?: string;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form
      action={formAction}
      className="flex items-center justify-end gap-2"
      onSubmit={(e) => {
        if (confirm && !window.confirm(confirm)) e.preventDefault();
      }}
    >
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <FormStatus state={state} />
      <Button type="submit" variant={variant} disabled={pending} className="px-2 py-1 text-xs">
        {label}
      </Button>
    </form>
  );
}
