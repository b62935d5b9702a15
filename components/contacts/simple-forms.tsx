"use client";

import { ListSelect } from "@/components/contacts/list-select";
import { createContactAction, createListAction } from "@/app/(dashboard)/contacts/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export function CreateListForm() {
  const { state, pending, errors, formProps } = useActionForm(createListAction, { resetOnSuccess: true });
  return (
    <form {...formProps} className="flex flex-wrap items-end gap-3" aria-label="Create a list">
      <div className="min-w-0 flex-1 basis-60">
        <Field id="new-list-name" label="New list name" name="name" required error={errors.name} />
      </div>
      <Button type="submit" disabled={pending}>
        Create list
      </Button>
      <FormStatus state={state && (state.ok || !state.fieldErrors) ? state : null} />
    </form>
  );
}

export function CreateContactForm({ lists }: { lists: { id: string; name: string }[] }) {
  const { state, pending, errors, formProps } = useActionForm(createContactAction, { resetOnSuccess: true });
  return (
    <form {...formProps} className="grid gap-3 sm:grid-cols-2 sm:items-end" aria-label="Add a contact">
      <Field id="new-contact-email" label="Email" name="email" type="email" required error={errors.email} />
      <Field id="new-contact-name" label="Name" name="name" error={errors.name} />
      <ListSelect id="new-contact-list" label="List" lists={lists} error={errors.list_id} />
      <Button type="submit" disabled={pending} className="sm:justify-self-start">
        Add contact
      </Button>
      <div className="sm:col-span-2">
        <FormStatus state={state && (state.ok || !state.fieldErrors) ? state : null} />
      </div>
    </form>
  );
}
