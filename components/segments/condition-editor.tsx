"use client";

import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { OPS, TYPE_LABELS, type DraftCondition } from "./draft";

const STATUSES = ["subscribed", "unsubscribed", "bounced", "complained"];

/**
 * One condition of the builder: native selects, inputs and checkboxes (keyboard and screen reader
 * friendly), its error under it. Lists, tags and forms are checkboxes; archived forms are offered too
 * (their signups still count), marked as such.
 */
export function ConditionEditor({
  index,
  condition: c,
  onChange,
  onRemove,
  lists,
  tags,
  forms,
  fieldKeys,
  error,
}: {
  index: number;
  condition: DraftCondition;
  onChange: (next: DraftCondition) => void;
  onRemove: () => void;
  lists: { id: string; name: string }[];
  tags: { id: string; name: string }[];
  forms: { id: string; name: string; archived: boolean }[];
  fieldKeys: string[];
  error?: string;
}) {
  const id = `cond-${index}`;
  const set = (patch: Partial<DraftCondition>) => onChange({ ...c, ...patch });
  const label = `Condition ${index + 1}: ${TYPE_LABELS[c.type]}`;
  const needsValue = (c.type === "field" && !["is_set", "is_not_set", "within_last_days"].includes(c.op)) || (c.type === "created" && (c.op === "after" || c.op === "before"));
  const needsDays = (c.type === "field" && c.op === "within_last_days") || (c.type === "created" && c.op === "within_last_days") || (c.type === "engagement" && c.op !== "never_opened");
  const options = c.type === "lists" ? lists : c.type === "tags" ? tags : c.type === "form" ? forms.map((f) => ({ id: f.id, name: f.archived ? `${f.name} (archived)` : f.name })) : [];

  return (
    <fieldset
      className={`min-w-0 space-y-2 rounded-md border p-3 ${error ? "border-red-300" : "border-slate-200"}`}
      aria-describedby={error ? `${id}-error` : undefined}
      data-testid="segment-condition"
    >
      <legend className="px-1 text-sm font-medium text-slate-700">{label}</legend>
      <div className="flex flex-wrap items-end gap-2">
        {c.type === "field" ? (
          <div className="min-w-0 space-y-1">
            <label htmlFor={`${id}-key`} className="block text-xs text-slate-600">
              Field
            </label>
            <select id={`${id}-key`} value={c.key} onChange={(e) => set({ key: e.target.value })} className={inputClass}>
              {fieldKeys.length === 0 ? <option value="">(no custom fields yet)</option> : null}
              {c.key && !fieldKeys.includes(c.key) ? <option value={c.key}>{c.key}</option> : null}
              {fieldKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="min-w-0 space-y-1">
          <label htmlFor={`${id}-op`} className="block text-xs text-slate-600">
            {c.type === "field" ? "Operator" : c.type === "created" ? "Signed up" : c.type === "engagement" || c.type === "form" ? "Contact" : `${TYPE_LABELS[c.type]}: the contact`}
          </label>
          <select id={`${id}-op`} value={c.op} onChange={(e) => set({ op: e.target.value })} className={inputClass}>
            {OPS[c.type].map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        {needsValue ? (
          <div className="min-w-0 space-y-1">
            <label htmlFor={`${id}-value`} className="block text-xs text-slate-600">
              {c.type === "created" ? "Date" : "Value"}
            </label>
            <input
              id={`${id}-value`}
              type={c.op === "before" || c.op === "after" ? "date" : "text"}
              inputMode={["gt", "gte", "lt", "lte"].includes(c.op) ? "decimal" : undefined}
              value={c.value}
              onChange={(e) => set({ value: e.target.value })}
              className={inputClass}
            />
          </div>
        ) : null}
        {needsDays ? (
          <div className="w-28 space-y-1">
            <label htmlFor={`${id}-days`} className="block text-xs text-slate-600">
              Days
            </label>
            <input id={`${id}-days`} type="number" min={1} inputMode="numeric" value={c.days} onChange={(e) => set({ days: e.target.value })} className={inputClass} />
          </div>
        ) : null}
        {c.type === "form" ? (
          <div className="min-w-0 space-y-1">
            <label htmlFor={`${id}-days`} className="block text-xs text-slate-600">
              Confirmed in the last … days (blank: ever)
            </label>
            <input id={`${id}-days`} type="number" min={1} inputMode="numeric" value={c.days} onChange={(e) => set({ days: e.target.value })} className={inputClass} />
          </div>
        ) : null}
        {c.type === "created" && c.op === "between" ? (
          <>
            <div className="min-w-0 space-y-1">
              <label htmlFor={`${id}-from`} className="block text-xs text-slate-600">
                From
              </label>
              <input id={`${id}-from`} type="date" value={c.from} onChange={(e) => set({ from: e.target.value })} className={inputClass} />
            </div>
            <div className="min-w-0 space-y-1">
              <label htmlFor={`${id}-to`} className="block text-xs text-slate-600">
                To
              </label>
              <input id={`${id}-to`} type="date" value={c.to} onChange={(e) => set({ to: e.target.value })} className={inputClass} />
            </div>
          </>
        ) : null}
        <Button variant="ghost" onClick={onRemove} aria-label={`Remove condition ${index + 1}`}>
          Remove
        </Button>
      </div>
      {c.type === "lists" || c.type === "tags" || c.type === "form" ? (
        options.length ? (
          <div role="group" aria-label={{ lists: "Lists", tags: "Tags", form: "Forms" }[c.type]} className="flex flex-wrap gap-x-4 gap-y-1">
            {options.map((o) => (
              <label key={o.id} className="flex items-center gap-2 text-sm">
                <input type="checkbox" checked={c.ids.includes(o.id)} onChange={(e) => set({ ids: e.target.checked ? [...c.ids, o.id] : c.ids.filter((x) => x !== o.id) })} />
                {o.name}
              </label>
            ))}
          </div>
        ) : (
          <p className="text-sm text-slate-500">No {c.type === "form" ? "forms" : c.type} yet.</p>
        )
      ) : null}
      {c.type === "status" ? (
        <div role="group" aria-label="Statuses" className="flex flex-wrap gap-x-4 gap-y-1">
          {STATUSES.map((s) => (
            <label key={s} className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={c.statuses.includes(s)} onChange={(e) => set({ statuses: e.target.checked ? [...c.statuses, s] : c.statuses.filter((x) => x !== s) })} />
              {s}
            </label>
          ))}
        </div>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="text-sm text-red-600">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
