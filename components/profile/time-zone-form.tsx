"use client";

import { useActionState, useEffect, useId, useMemo, useRef, useState } from "react";
import { setTimeZoneAction } from "@/app/(dashboard)/profile/actions";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

const BROWSER = "browser";

interface Option {
  value: string;
  label: string;
}

/** "america/new york" finds America/New_York: compare without case, underscores as spaces. */
const normalize = (s: string) => s.toLowerCase().replace(/_/g, " ");

/**
 * The profile's time zone: a searchable list (the ARIA combobox pattern: type to filter, arrows to move,
 * Enter to pick, Escape to close), with "the browser's time zone" first. The chosen value travels in a
 * hidden field, so the form posts one exact zone name whatever was typed.
 */
export function TimeZoneForm({ zones, current, browserZone }: { zones: string[]; current: string | null; browserZone: string | null }) {
  const [state, action, pending] = useActionState(setTimeZoneAction, null);
  const [detected, setDetected] = useState(browserZone);
  useEffect(() => {
    try {
      setDetected(Intl.DateTimeFormat().resolvedOptions().timeZone || null);
    } catch {
      // an old browser: the label says "browser's time zone" without naming it
    }
  }, []);
  const options = useMemo<Option[]>(
    () => [{ value: BROWSER, label: detected ? `Browser's time zone (${detected})` : "Browser's time zone" }, ...zones.map((z) => ({ value: z, label: z }))],
    [zones, detected],
  );
  const [selected, setSelected] = useState(current ?? BROWSER);
  const selectedLabel = options.find((o) => o.value === selected)?.label ?? selected;
  const [text, setText] = useState<string | null>(null); // null: not typing, the input shows the choice
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLUListElement>(null);
  const id = useId();
  const listId = `${id}-list`;
  const error = state && !state.ok ? state.fieldErrors?.timeZone ?? state.error : null;

  const shown = useMemo(() => {
    if (text === null || text.trim() === "") return options;
    const q = normalize(text.trim());
    return options.filter((o) => normalize(o.label).includes(q));
  }, [options, text]);

  // Keep the active option in view while moving with the arrows.
  useEffect(() => {
    if (!open) return;
    listRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [active, open]);

  function openAt(index: number) {
    setOpen(true);
    setActive(Math.max(0, Math.min(index, shown.length - 1)));
  }
  function choose(option: Option) {
    setSelected(option.value);
    setText(null);
    setOpen(false);
  }
  function close() {
    setOpen(false);
    setText(null);
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (!open) openAt(Math.max(0, shown.findIndex((o) => o.value === selected)));
        else setActive((i) => Math.min(i + 1, shown.length - 1));
        break;
      case "ArrowUp":
        e.preventDefault();
        if (!open) openAt(Math.max(0, shown.findIndex((o) => o.value === selected)));
        else setActive((i) => Math.max(i - 1, 0));
        break;
      case "Home":
      case "End":
        if (open) {
          e.preventDefault();
          setActive(e.key === "Home" ? 0 : shown.length - 1);
        }
        break;
      case "Enter":
        // With the list open, Enter picks; closed, it submits the form as usual.
        if (open) {
          e.preventDefault();
          if (shown[active]) choose(shown[active]);
        }
        break;
      case "Escape":
        if (open || text !== null) {
          e.preventDefault();
          close();
        }
        break;
      case "Tab":
        close();
        break;
    }
  }

  return (
    <form action={action} className="space-y-3" aria-label="Time zone">
      <input type="hidden" name="timeZone" value={selected} />
      <div className="space-y-1">
        <label htmlFor={`${id}-input`} className="block text-sm font-medium text-slate-700">
          Show times in
        </label>
        <div className="relative">
          <input
            id={`${id}-input`}
            type="text"
            role="combobox"
            autoComplete="off"
            spellCheck={false}
            aria-autocomplete="list"
            aria-expanded={open}
            aria-controls={listId}
            aria-activedescendant={open && shown[active] ? `${id}-opt-${active}` : undefined}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : `${id}-hint`}
            className={inputClass}
            value={text ?? selectedLabel}
            onChange={(e) => {
              setText(e.target.value);
              setOpen(true);
              setActive(0);
            }}
            onFocus={(e) => e.target.select()}
            onClick={() => (open ? null : openAt(Math.max(0, shown.findIndex((o) => o.value === selected))))}
            onBlur={close}
            onKeyDown={onKeyDown}
          />
          <ul
            ref={listRef}
            id={listId}
            role="listbox"
            aria-label="Time zones"
            hidden={!open}
            className="absolute z-20 mt-1 max-h-64 w-full overflow-y-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
          >
            {shown.length === 0 ? (
              <li role="option" aria-selected={false} aria-disabled className="px-3 py-2 text-slate-500">
                No time zone matches “{text}”
              </li>
            ) : (
              shown.map((o, i) => (
                <li
                  key={o.value}
                  id={`${id}-opt-${i}`}
                  data-index={i}
                  role="option"
                  aria-selected={o.value === selected}
                  // Keep the focus in the input: a click picks without blurring (which would close first).
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => choose(o)}
                  onMouseMove={() => setActive(i)}
                  className={`cursor-pointer px-3 py-1.5 wrap-anywhere ${i === active ? "bg-brand-50 text-brand-700" : "text-slate-700"} ${o.value === selected ? "font-semibold" : ""}`}
                >
                  {o.label}
                </li>
              ))
            )}
          </ul>
        </div>
        {error ? (
          <p id={`${id}-error`} className="text-sm text-red-600">
            {error}
          </p>
        ) : (
          <p id={`${id}-hint`} className="text-xs text-slate-500">
            Type to search (e.g. “new york” or “berlin”), arrows to move, Enter to pick.
          </p>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save time zone"}
        </Button>
        <FormStatus state={state} />
      </div>
    </form>
  );
}
