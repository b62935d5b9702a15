"use client";

import { ListSelect } from "@/components/contacts/list-select";
import { useActionState } from "react";
import { createContactAction, createListAction } from "@/app/(dashboard)/contacts/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export function CreateListForm() {
  const [state, action, pending] = useActionState(createListAction, null);
  const errors = state && !state.ok ? state.fieldErrors ?? {} : {};
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" aria-label="Create a list">
      <div className="min-w-60 flex-1">
        <Field id="new-list-name" label="New list name" name="name" required error={errors.name} />
      </div>
      <Button type="submit" disabled={pending}>
        Create list
      </Button>
      <FormStatus state={state && state.ok ? state : null} />
    </form>
  );
}

export function CreateContactForm({ lists }: { lists: { id: string; name: string }[] }) {
  const [state, action, pending] = useActionState(createContactAction, null);
  const errors = state && !state.ok ? state.fieldErrors ?? {} : {};
  return (
    <form action={action} className="grid gap-3 sm:grid-cols-[1fr_1fr_12rem_auto] sm:items-end" aria-label="Add a contact">
      <Field id="new-contact-email" label="Email" name="email" type="email" required error={errors.email} />
      <Field id="new-contact-name" label="Name" name="name" error={errors.name} />
      <ListSelect id="new-contact-list" label="List" lists={lists} />
      <Button type="submit" disabled={pending}>
        Add contact
      </Button>
      <div className="sm:col-span-4">
        <FormStatus state={state && state.ok ? state : state && !state.fieldErrors ? state : null} />
      </div>
    </form>
  );
}
