"use client";

import { useEffect, useMemo, useRef, useState, useTransition } from "react";
import { previewSegmentAction, saveSegmentAction, type SegmentPreview } from "@/app/(dashboard)/segments/actions";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { formatNumber } from "@/components/ui/format";
import { fromDefinition, newCondition, toDefinition, type DraftCondition, type DraftSegment } from "./draft";
import { ConditionEditor } from "./condition-editor";

export interface SegmentBuilderProps {
  lists: { id: string; name: string }[];
  tags: { id: string; name: string }[];
  /** Signup forms, archived ones too (a segment may still select who signed up through them). */
  forms: { id: string; name: string; archived: boolean }[];
  fieldKeys: string[];
  /** The segment being edited; absent for a new one. */
  segment?: { id: string; name: string; definition: unknown };
}

/**
 * The segment builder: conditions combined with all/any (one level: the API accepts nested groups,
 * the builder edits a flat list), a live count and sample as you type (debounced), and errors shown
 * under the condition they belong to. Everything typed stays in the page when the server refuses.
 */
export function SegmentBuilder({ lists, tags, forms, fieldKeys, segment }: SegmentBuilderProps) {
  const [draft, setDraft] = useState<DraftSegment>(() => (segment ? fromDefinition(segment.definition) : { match: "all", conditions: [] }));
  const [name, setName] = useState(segment?.name ?? "");
  const [preview, setPreview] = useState<SegmentPreview | null>(null);
  const [previewErrors, setPreviewErrors] = useState<{ error: string; byCondition: Record<string, string> } | null>(null);
  const [saveErrors, setSaveErrors] = useState<{ error: string; byCondition: Record<string, string> } | null>(null);
  const [counting, setCounting] = useState(false);
  const [saving, startSaving] = useTransition();
  const requestId = useRef(0);
  const definition = useMemo(() => toDefinition(draft), [draft]);
  const key = JSON.stringify(definition);

  useEffect(() => {
    const id = ++requestId.current;
    setCounting(true);
    const timer = setTimeout(async () => {
      const result = await previewSegmentAction(JSON.parse(key));
      if (id !== requestId.current) return; // a newer edit is being counted
      setCounting(false);
      if (result.ok) {
        setPreview(result.data ?? null);
        setPreviewErrors(null);
      } else {
        setPreviewErrors({ error: result.error, byCondition: result.fieldErrors ?? {} });
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [key]);

  const update = (index: number, next: DraftCondition) => setDraft((d) => ({ ...d, conditions: d.conditions.map((c, i) => (i === index ? next : c)) }));
  const remove = (index: number) => setDraft((d) => ({ ...d, conditions: d.conditions.filter((_, i) => i !== index) }));
  const add = (type: DraftCondition["type"]) => setDraft((d) => ({ ...d, conditions: [...d.conditions, newCondition(type, { lists, tags, fieldKeys })] }));

  const save = () =>
    startSaving(async () => {
      const result = await saveSegmentAction({ id: segment?.id, name, definition });
      // Success navigates to the segment's page; a refusal keeps the builder as typed.
      if (result && !result.ok) setSaveErrors({ error: result.error, byCondition: result.fieldErrors ?? {} });
    });

  const errorFor = (i: number) => saveErrors?.byCondition[`conditions.${i}`] ?? previewErrors?.byCondition[`conditions.${i}`];
  const [addType, setAddType] = useState<DraftCondition["type"]>("tags");

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <form
        className="min-w-0 space-y-5"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
        aria-label="Segment"
      >
        <div className="space-y-1">
          <label htmlFor="segment-name" className="block text-sm font-medium text-slate-700">
            Name
          </label>
          <input
            id="segment-name"
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            className={inputClass}
            maxLength={200}
            aria-invalid={saveErrors?.byCondition.name ? true : undefined}
            aria-describedby={saveErrors?.byCondition.name ? "segment-name-error" : undefined}
          />
          {saveErrors?.byCondition.name ? (
            <p id="segment-name-error" className="text-sm text-red-600">
              {saveErrors.byCondition.name}
            </p>
          ) : null}
        </div>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Contacts who match</legend>
          <div className="flex flex-wrap gap-4 text-sm">
            <label className="flex items-center gap-2">
              <input type="radio" name="match" value="all" checked={draft.match === "all"} onChange={() => setDraft((d) => ({ ...d, match: "all" }))} />
              all of these conditions
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" name="match" value="any" checked={draft.match === "any"} onChange={() => setDraft((d) => ({ ...d, match: "any" }))} />
              any of these conditions
            </label>
          </div>
        </fieldset>

        {draft.nested ? (
          <p role="alert" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">
            This segment has nested groups, which the builder does not edit: saving here keeps only its top-level conditions. Change it through the API to keep the groups.
          </p>
        ) : null}

        <ol className="space-y-3" aria-label="Conditions">
          {draft.conditions.map((c, i) => (
            <li key={c.uid}>
              <ConditionEditor index={i} condition={c} onChange={(next) => update(i, next)} onRemove={() => remove(i)} lists={lists} tags={tags} forms={forms} fieldKeys={fieldKeys} error={errorFor(i)} />
            </li>
          ))}
        </ol>
        {draft.conditions.length === 0 ? <p className="text-sm text-slate-500">No conditions yet: the segment holds every contact. Add a condition to narrow it.</p> : null}

        <div className="flex flex-wrap items-end gap-2">
          <div className="space-y-1">
            <label htmlFor="add-condition-type" className="block text-sm font-medium text-slate-700">
              New condition
            </label>
            <select id="add-condition-type" value={addType} onChange={(e) => setAddType(e.target.value as DraftCondition["type"])} className={inputClass}>
              <option value="tags">Tags</option>
              <option value="lists">Lists</option>
              <option value="field">Custom field</option>
              <option value="status">Status</option>
              <option value="created">Signed up</option>
              <option value="form">Signed up through a form</option>
              <option value="engagement">Engagement</option>
            </select>
          </div>
          <Button variant="secondary" onClick={() => add(addType)}>
            Add condition
          </Button>
        </div>

        {saveErrors ? (
          <p role="alert" className="text-sm text-red-600">
            {saveErrors.error}
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={saving}>
            {saving ? "Saving…" : segment ? "Save segment" : "Create segment"}
          </Button>
        </div>
      </form>

      {/* On a phone the count comes first, above the conditions it follows; beside them from lg on. */}
      <aside aria-labelledby="preview-heading" className="order-first min-w-0 space-y-3 rounded-lg border border-slate-200 bg-white p-4 lg:order-none lg:self-start">
        <h2 id="preview-heading" className="text-sm font-semibold text-slate-900">
          Matching contacts
        </h2>
        <p aria-live="polite" data-testid="segment-live-count" className="text-sm text-slate-700">
          {previewErrors ? (
            <span className="text-red-600">{previewErrors.error}</span>
          ) : preview ? (
            <>
              <strong className="text-lg tabular-nums">{formatNumber(preview.count)}</strong> {preview.count === 1 ? "contact matches" : "contacts match"}
              {counting ? <span className="text-slate-500"> (counting…)</span> : null}
            </>
          ) : (
            "Counting…"
          )}
        </p>
        {preview && !previewErrors && preview.sample.length ? (
          <ul className="space-y-1 text-sm" aria-label="Sample of matching contacts" data-testid="segment-sample">
            {preview.sample.map((c) => (
              <li key={c.id} className="truncate" title={c.email}>
                {c.email} <span className="text-slate-500">({c.status})</span>
              </li>
            ))}
          </ul>
        ) : null}
      </aside>
    </div>
  );
}
