"use client";

import { useActionState, useState } from "react";
import { deleteListAction, renameListAction } from "@/app/(dashboard)/contacts/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import { InlineAction } from "@/components/ui/inline-action";

interface ListRow {
  id: string;
  name: string;
  memberCount: number;
  subscribedCount: number;
}

/** One list: its link (the contacts table filtered to it), its counts, rename in place, delete. */
export function ListItem({ list }: { list: ListRow }) {
  const [renaming, setRenaming] = useState(false);
  const [state, action, pending] = useActionState(renameListAction.bind(null, list.id), null);
  const errors = state && !state.ok ? state.fieldErrors ?? {} : {};
  return (
    <li className="space-y-2 py-2">
      <div className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1">
        <a href={`/contacts?list=${list.id}`} className="min-w-0 break-words font-medium text-brand-700 hover:underline">
          {list.name}
        </a>
        <span className="flex flex-wrap items-center gap-2">
          <span className="tabular-nums text-slate-500">
            {list.subscribedCount.toLocaleString("en")} subscribed of {list.memberCount.toLocaleString("en")}
          </span>
          <Button variant="ghost" className="px-2 py-1 text-xs" aria-expanded={renaming} aria-label={`Rename ${list.name}`} onClick={() => setRenaming(!renaming)}>
            Rename
          </Button>
          <InlineAction
            action={deleteListAction}
            fields={{ list_id: list.id }}
            label="Delete"
            variant="danger"
            confirm={`Delete the list "${list.name}"? Its ${list.memberCount.toLocaleString("en")} contacts stay.`}
          />
        </span>
      </div>
      {renaming ? (
        <form action={action} className="flex flex-wrap items-end gap-2" aria-label={`Rename ${list.name}`}>
          <div className="min-w-48 flex-1">
            <Field id={`rename-${list.id}`} label="New name" name="name" defaultValue={list.name} required maxLength={200} error={errors.name} autoFocus />
          </div>
          <Button type="submit" disabled={pending}>
            Save name
          </Button>
        </form>
      ) : null}
      <FormStatus state={state && state.ok ? state : state && !state.fieldErrors ? state : null} />
    </li>
  );
}
