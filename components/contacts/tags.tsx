"use client";

import { useActionState, useState } from "react";
import { deleteTagAction, renameTagAction, tagContactAction, untagContactAction } from "@/app/(dashboard)/contacts/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import { formatNumber } from "@/components/ui/format";

interface TagRef {
  id: string;
  name: string;
}

/** A tag as a chip (the contacts table and the contact page). */
export function TagChip({ name, children }: { name: string; children?: React.ReactNode }) {
  return (
    <span className="inline-flex max-w-full items-center gap-1 rounded-full bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-700 ring-1 ring-brand-100 ring-inset">
      <span className="min-w-0 break-words">{name}</span>
      {children}
    </span>
  );
}

/**
 * A contact's tags as chips, each with a remove button, and a form adding tags by comma-separated names
 * (missing tags are created). The removal's outcome is shown below the chips: the chip is gone.
 */
export function ContactTagsForm({ contactId, tags }: { contactId: string; tags: TagRef[] }) {
  const [removed, remove, removing] = useActionState(untagContactAction.bind(null, contactId), null);
  const { state, pending, errors, formProps } = useActionForm(tagContactAction.bind(null, contactId), { resetOnSuccess: true });
  return (
    <div className="space-y-3">
      {tags.length ? (
        <ul className="flex flex-wrap gap-2" aria-label="Tags of this contact">
          {tags.map((t) => (
            <li key={t.id} className="max-w-full">
              <TagChip name={t.name}>
                <form action={remove} className="contents">
                  <input type="hidden" name="tag_id" value={t.id} />
                  <button
                    type="submit"
                    disabled={removing}
                    aria-label={`Remove tag ${t.name}`}
                    className="-mr-1 inline-flex size-5 items-center justify-center rounded-full text-brand-700 hover:bg-brand-100"
                  >
                    <span aria-hidden="true">×</span>
                  </button>
                </form>
              </TagChip>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-500">No tags.</p>
      )}
      <FormStatus state={removed} />
      <form {...formProps} className="flex flex-wrap items-end gap-3" aria-label="Add tags">
        <div className="min-w-0 flex-1 basis-60">
          <Field id="contact-tags" label="Add tags" name="tags" hint="Comma-separated; new tags are created." required maxLength={2000} error={errors.tags} />
        </div>
        <Button type="submit" variant="secondary" disabled={pending}>
          Add tags
        </Button>
        <FormStatus state={state && (state.ok || !state.fieldErrors) ? state : null} />
      </form>
    </div>
  );
}

interface TagRow extends TagRef {
  contactCount: number;
}

type DeleteAction = (form: FormData) => void;

/** The tags with their counts, rename and delete (like ListsManager). */
export function TagsManager({ tags }: { tags: TagRow[] }) {
  const [state, action, pending] = useActionState(deleteTagAction, null);
  return (
    <div className="space-y-2">
      <ul className="divide-y divide-slate-100 text-sm" aria-label="Tags">
        {tags.map((t) => (
          <TagItem key={t.id} tag={t} deleteAction={action} deleting={pending} />
        ))}
      </ul>
      <FormStatus state={state} />
    </div>
  );
}

function TagItem({ tag, deleteAction, deleting }: { tag: TagRow; deleteAction: DeleteAction; deleting: boolean }) {
  const [renaming, setRenaming] = useState(false);
  const [state, action, pending] = useActionState(renameTagAction.bind(null, tag.id), null);
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  return (
    <li className="space-y-2 py-2">
      <div className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1">
        <TagChip name={tag.name} />
        <span className="flex flex-wrap items-center gap-2">
          <a href={`/contacts?tag=${tag.id}`} className="tabular-nums text-slate-600 hover:text-brand-700 hover:underline" aria-label={`${formatNumber(tag.contactCount)} ${tag.contactCount === 1 ? "contact" : "contacts"} tagged ${tag.name}`}>
            {formatNumber(tag.contactCount)} {tag.contactCount === 1 ? "contact" : "contacts"}
          </a>
          <Button variant="ghost" className="px-2 py-1 text-xs" aria-expanded={renaming} aria-label={`Rename tag ${tag.name}`} onClick={() => setRenaming(!renaming)}>
            Rename
          </Button>
          <form
            action={deleteAction}
            onSubmit={(e) => {
              if (!window.confirm(`Delete the tag "${tag.name}"? Its ${formatNumber(tag.contactCount)} contacts stay, untagged.`)) e.preventDefault();
            }}
          >
            <input type="hidden" name="tag_id" value={tag.id} />
            <Button type="submit" variant="danger" className="px-2 py-1 text-xs" disabled={deleting} aria-label={`Delete tag ${tag.name}`}>
              Delete
            </Button>
          </form>
        </span>
      </div>
      {renaming ? (
        <form action={action} className="flex flex-wrap items-end gap-2" aria-label={`Rename tag ${tag.name}`}>
          <div className="min-w-48 flex-1">
            <Field id={`rename-tag-${tag.id}`} label="New name" name="name" defaultValue={tag.name} required maxLength={100} error={errors.name} autoFocus />
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
