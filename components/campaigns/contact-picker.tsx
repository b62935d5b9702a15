"use client";

import { useEffect, useId, useRef, useState } from "react";
import { searchAudienceContactsAction } from "@/app/(dashboard)/campaigns/actions";
import { inputClass } from "@/components/ui/field";
import type { PreviewContact } from "@/lib/campaigns/preview";

/**
 * Picks a contact of the audience by typing part of the address: a search box with a listbox of
 * matches (arrow keys and Enter, or click). `name`, when given, carries the chosen contact's id in a form.
 */
export function ContactPicker({
  label,
  listIds,
  value,
  onChange,
  name,
  hint,
}: {
  label: string;
  listIds: string[];
  value: PreviewContact | null;
  onChange: (contact: PreviewContact | null) => void;
  name?: string;
  hint?: string;
}) {
  const id = useId();
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<PreviewContact[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const seq = useRef(0);
  const listKey = listIds.join(",");

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults([]);
      return;
    }
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      const found = await searchAudienceContactsAction({ listIds: listKey ? listKey.split(",") : [], query: q });
      // Only the latest search may answer: a slow early one must not replace a later one.
      if (mine === seq.current) {
        setResults(found);
        setActive(0);
        setOpen(true);
      }
    }, 250);
    return () => clearTimeout(timer);
  }, [query, listKey]);

  const choose = (c: PreviewContact) => {
    onChange(c);
    setQuery("");
    setOpen(false);
  };

  return (
    <div className="space-y-1">
      <label htmlFor={`${id}-input`} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {name ? <input type="hidden" name={name} value={value?.id ?? ""} /> : null}
      {value ? (
        <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          <span data-testid="picked-contact" className="min-w-0 wrap-anywhere">
            <strong>{value.name || value.email}</strong> {value.name ? `(${value.email})` : null}
          </span>
          <button type="button" onClick={() => onChange(null)} className="rounded border border-slate-300 px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-50">
            Use sample values
          </button>
        </p>
      ) : null}
      <div className="relative">
        <input
          id={`${id}-input`}
          type="search"
          role="combobox"
          aria-expanded={open && results.length > 0}
          aria-controls={`${id}-list`}
          aria-autocomplete="list"
          aria-activedescendant={open && results[active] ? `${id}-opt-${active}` : undefined}
          aria-describedby={hint ? `${id}-hint` : undefined}
          autoComplete="off"
          placeholder="Search the audience by address"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (!open || results.length === 0) return;
            if (e.key === "ArrowDown") {
              e.preventDefault();
              setActive((a) => Math.min(a + 1, results.length - 1));
            } else if (e.key === "ArrowUp") {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, 0));
            } else if (e.key === "Enter") {
              e.preventDefault();
              choose(results[active]);
            } else if (e.key === "Escape") {
              setOpen(false);
            }
          }}
          className={inputClass}
        />
        {open && query.trim() ? (
          <ul id={`${id}-list`} role="listbox" aria-label={`${label}: matches`} className="absolute z-10 mt-1 max-h-60 w-full overflow-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg">
            {results.length === 0 ? (
              <li className="px-3 py-2 text-slate-500">No contact in the audience matches</li>
            ) : (
              results.map((c, i) => (
                <li
                  key={c.id}
                  id={`${id}-opt-${i}`}
                  role="option"
                  aria-selected={i === active}
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => choose(c)}
                  className={`cursor-pointer px-3 py-2 wrap-anywhere ${i === active ? "bg-brand-50 text-slate-900" : "text-slate-700"}`}
                >
                  {c.email}
                  {c.name ? <span className="text-slate-500"> · {c.name}</span> : null}
                  {c.status !== "subscribed" ? <span className="text-amber-700"> · {c.status}</span> : null}
                </li>
              ))
            )}
          </ul>
        ) : null}
      </div>
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
