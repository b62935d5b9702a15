"use client";

import { createApiKeyAction } from "@/app/(dashboard)/settings/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export function CreateApiKeyForm() {
  const { state, pending, errors, formProps } = useActionForm(createApiKeyAction, { resetOnSuccess: true });
  return (
    <div className="space-y-4">
      <form {...formProps} className="grid gap-4 sm:grid-cols-[1fr_12rem_auto] sm:items-end" aria-label="Create an API key">
        <Field id="api-key-name" label="Key name" name="name" placeholder="e.g. CRM sync" required error={errors.name} />
        <SelectField id="api-key-role" label="Role" name="role" defaultValue="marketer" error={errors.role}>
          <option value="marketer">Marketer</option>
          <option value="admin">Admin</option>
        </SelectField>
        <Button type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create key"}
        </Button>
        {state && !state.ok && !state.fieldErrors ? (
          <div className="sm:col-span-3">
            <FormStatus state={state} />
          </div>
        ) : null}
      </form>
      {state?.ok && state.data ? (
        <div className="rounded-md border border-amber-300 bg-amber-50 p-3">
          <p className="text-sm font-medium text-amber-900">{state.message}</p>
          <code data-testid="new-api-key" className="mt-2 block wrap-anywhere rounded bg-white px-2 py-1 font-mono text-sm">
            {state.data.key}
          </code>
        </div>
      ) : null}
    </div>
  );
}
