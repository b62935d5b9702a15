"use client";

import { enrollContactAction } from "@/app/(dashboard)/sequences/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

/** Enrols an existing contact by address. */
export function EnrollForm({ sequenceId }: { sequenceId: string }) {
  const { state, pending, errors, formProps } = useActionForm(enrollContactAction, { resetOnSuccess: true });
  return (
    <form {...formProps} className="flex flex-wrap items-end gap-3" aria-label="Enrol a contact">
      <input type="hidden" name="id" value={sequenceId} />
      <div className="min-w-0 flex-1 basis-60">
        <Field label="Contact's address" name="email" type="email" required error={errors.email} placeholder="ada@example.com" />
      </div>
      <Button type="submit" disabled={pending}>
        Enrol
      </Button>
      <FormStatus state={state} />
    </form>
  );
}
