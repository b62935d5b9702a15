"use client";

import { useActionState } from "react";
import { deleteContactAction, setContactListsAction } from "@/app/(dashboard)/contacts/actions";
import { Button } from "@/components/ui/button";
import { FormStatus } from "@/components/ui/form-status";

/** The lists a contact is in, as checkboxes: checked lists are the contact's after Save. */
export function ContactListsForm({ contactId, lists, memberOf }: { contactId: string; lists: { id: string; name: string }[]; memberOf: string[] }) {
  const [state, action, pending] = useActionState(setContactListsAction.bind(null, contactId), null);
  if (lists.length === 0) return <p className="text-sm text-slate-500">No lists yet: create one on the Contacts page.</p>;
  return (
    <form action={action} className="space-y-3" aria-label="Lists of this contact">
      <fieldset>
        <legend className="sr-only">Lists</legend>
        <ul className="grid gap-2 sm:grid-cols-2">
          {lists.map((l) => (
            <li key={l.id}>
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" name="list_id" value={l.id} defaultChecked={memberOf.includes(l.id)} className="size-4 accent-brand-600" />
                <span className="min-w-0 break-words">{l.name}</span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="secondary" disabled={pending}>
          Save lists
        </Button>
        <FormStatus state={state} />
      </div>
    </form>
  );
}

/** Deleting a contact erases it (lib/contacts/erase.ts); asks first. */
export function DeleteContactForm({ contactId, email }: { contactId: string; email: string }) {
  const [state, action, pending] = useActionState(deleteContactAction.bind(null, contactId), null);
  return (
    <form
      action={action}
      className="flex flex-wrap items-center gap-3"
      aria-label="Delete this contact"
      onSubmit={(e) => {
        if (!window.confirm(`Delete ${email}? Its address, name and fields are erased everywhere; this cannot be undone.`)) e.preventDefault();
      }}
    >
      <Button type="submit" variant="danger" disabled={pending}>
        Delete and erase contact
      </Button>
      <FormStatus state={state} />
    </form>
  );
}
