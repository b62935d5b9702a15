"use client";

import { createUserAction } from "@/app/(dashboard)/settings/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export function CreateUserForm() {
  const { state, pending, errors, formProps } = useActionForm(createUserAction, { resetOnSuccess: true });
  return (
    <form {...formProps} className="grid gap-4 sm:grid-cols-2" aria-label="Create a user">
      <Field label="Email" name="email" type="email" required error={errors.email} />
      <Field label="Name" name="name" error={errors.name} />
      <Field label="Initial password" name="password" type="password" autoComplete="new-password" required minLength={10} error={errors.password} hint="At least 10 characters; share it privately." />
      <SelectField label="Role" name="role" defaultValue="marketer" error={errors.role}>
        <option value="marketer">Marketer</option>
        <option value="admin">Admin</option>
      </SelectField>
      <div className="flex items-center gap-3 sm:col-span-2">
        <Button type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create user"}
        </Button>
        <FormStatus state={state && (state.ok || !state.fieldErrors) ? state : null} />
      </div>
    </form>
  );
}
