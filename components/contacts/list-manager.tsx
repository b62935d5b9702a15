"use client";

import { useActionState, useState } from "react";
import { formatNumber } from "@/components/ui/format";
import { deleteListAction, renameListAction } from "@/app/(dashboard)/contacts/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

interface ListRow {
  id: string;
  name: string;
  memberCount: number;
  subscribedCount: number;
}

type DeleteAction = (form: FormData) => void;

/**
 * The lists with rename and delete. The delete's outcome is shown below the lists, not in the row:
 * the row is gone once the list is.
 */
export function ListsManager({ lists }: { lists: ListRow[] }) {
  const [state, action, pending] = useActionState(deleteListAction, null);
  return (
    <div className="space-y-2">
      <ul className="divide-y divide-slate-100 text-sm" aria-label="Lists">
        {lists.map((l) => (
          <ListItem key={l.id} list={l} deleteAction={action} deleting={pending} />
        ))}
      </ul>
      <FormStatus state={state} />
    </div>
  );
}

/** One list: its link (the contacts table filtered to it), its counts, rename in place, delete. */
function ListItem({ list, deleteAction, deleting }: { list: ListRow; deleteAction: DeleteAction; deleting: boolean }) {
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
            {formatNumber(list.subscribedCount)} subscribed of {formatNumber(list.memberCount)}
          </span>
          <Button variant="ghost" className="px-2 py-1 text-xs" aria-expanded={renaming} aria-label={`Rename ${list.name}`} onClick={() => setRenaming(!renaming)}>
            Rename
          </Button>
          <form
            action={deleteAction}
            onSubmit={(e) => {
              if (!window.confirm(`Delete the list "${list.name}"? Its ${formatNumber(list.memberCount)} contacts stay.`)) e.preventDefault();
            }}
          >
            <input type="hidden" name="list_id" value={list.id} />
            <Button type="submit" variant="danger" className="px-2 py-1 text-xs" disabled={deleting} aria-label={`Delete ${list.name}`}>
              Delete
            </Button>
          </form>
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
