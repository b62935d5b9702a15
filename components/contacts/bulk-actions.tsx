"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { formatNumber } from "@/components/ui/format";
import { bulkContactsAction } from "@/app/(dashboard)/contacts/actions";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

/** The form every row's checkbox belongs to (`form="contacts-bulk"`): the rows stay server-rendered. */
export const BULK_FORM_ID = "contacts-bulk";

const rowBoxes = () => [...document.querySelectorAll<HTMLInputElement>(`input[type=checkbox][form="${BULK_FORM_ID}"][name="contact_id"]`)];

/**
 * Bulk actions on the selected contacts of this page: a select-all checkbox for the page, the count
 * selected, an action and (for list actions) a list, (for tags) a tag name to add or a tag to remove. Deleting asks first; after an action the
 * selection is cleared.
 */
export function BulkActions({ lists, tags, pageSize }: { lists: { id: string; name: string }[]; tags: { id: string; name: string }[]; pageSize: number }) {
  const [state, action, pending] = useActionState(bulkContactsAction, null);
  const [selected, setSelected] = useState(0);
  const [total, setTotal] = useState(pageSize);
  const [chosen, setChosen] = useState("");
  const allBox = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const recount = () => {
      const boxes = rowBoxes();
      const checked = boxes.filter((b) => b.checked).length;
      setSelected(checked);
      setTotal(boxes.length);
      if (allBox.current) {
        allBox.current.checked = boxes.length > 0 && checked === boxes.length;
        allBox.current.indeterminate = checked > 0 && checked < boxes.length;
      }
    };
    recount();
    document.addEventListener("change", recount);
    return () => document.removeEventListener("change", recount);
  }, [state]);

  useEffect(() => {
    if (!state?.ok) return;
    for (const b of rowBoxes()) b.checked = false;
    setSelected(0);
    if (allBox.current) {
      allBox.current.checked = false;
      allBox.current.indeterminate = false;
    }
  }, [state]);

  const needsList = chosen === "add_to_list" || chosen === "remove_from_list";
  return (
    <form
      id={BULK_FORM_ID}
      action={action}
      aria-label="Bulk actions on selected contacts"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white px-4 py-3"
      onSubmit={(e) => {
        if (chosen === "delete" && !window.confirm(`Delete ${selected} contact${selected === 1 ? "" : "s"}? Their address, name and fields are erased everywhere; this cannot be undone.`)) e.preventDefault();
      }}
    >
      <label className="flex items-center gap-2 self-center text-sm font-medium text-slate-700">
        <input
          ref={allBox}
          type="checkbox"
          className="size-4 accent-brand-600"
          disabled={total === 0}
          onChange={(e) => {
            for (const b of rowBoxes()) b.checked = e.target.checked;
            document.dispatchEvent(new Event("change"));
          }}
        />
        Select all on this page
      </label>
      <p className="self-center text-sm text-slate-600" aria-live="polite">
        {formatNumber(selected)} selected
      </p>
      <div className="text-sm">
        <label htmlFor="bulk-action" className="mb-1 block font-medium text-slate-700">
          Action
        </label>
        <select id="bulk-action" name="action" value={chosen} onChange={(e) => setChosen(e.target.value)} className={inputClass} required>
          <option value="">Choose…</option>
          <option value="add_to_list">Add to list</option>
          <option value="remove_from_list">Remove from list</option>
          <option value="add_tag">Add tag</option>
          <option value="remove_tag">Remove tag</option>
          <option value="unsubscribe">Unsubscribe</option>
          <option value="delete">Delete (erase)</option>
        </select>
      </div>
      {needsList ? (
        <div className="text-sm">
          <label htmlFor="bulk-list" className="mb-1 block font-medium text-slate-700">
            List
          </label>
          <select id="bulk-list" name="list_id" defaultValue="" className={`${inputClass} max-w-56`} required>
            <option value="">Choose a list…</option>
            {lists.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {chosen === "add_tag" ? (
        <div className="text-sm">
          <label htmlFor="bulk-tag-name" className="mb-1 block font-medium text-slate-700">
            Tag
          </label>
          <input id="bulk-tag-name" name="tags" className={`${inputClass} max-w-56`} list="bulk-tag-names" required maxLength={2000} placeholder="Tag name" />
          <datalist id="bulk-tag-names">
            {tags.map((t) => (
              <option key={t.id} value={t.name} />
            ))}
          </datalist>
        </div>
      ) : null}
      {chosen === "remove_tag" ? (
        <div className="text-sm">
          <label htmlFor="bulk-tag" className="mb-1 block font-medium text-slate-700">
            Tag
          </label>
          <select id="bulk-tag" name="tag_id" defaultValue="" className={`${inputClass} max-w-56`} required>
            <option value="">Choose a tag…</option>
            {tags.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <Button type="submit" variant={chosen === "delete" ? "danger" : "secondary"} disabled={pending || selected === 0}>
        Apply to selected
      </Button>
      <div className="basis-full empty:hidden">
        <FormStatus state={state} />
      </div>
    </form>
  );
}
