"use client";

import { startTransition, useActionState, useEffect, useRef, type FormEvent } from "react";

/** What a server action answers a form with (lib/app/action-result.ts's ActionResult, any data). */
type Result = { ok: true; message: string; data?: unknown } | { ok: false; error: string; fieldErrors?: Record<string, string> };

/**
 * Every dashboard form that posts to a server action goes through here, so each behaves the same way:
 *
 * - What was typed stays when the server refuses it. React resets a form after its `action` runs, on an
 *   error too; the submit is taken by hand instead (a prevented submit skips React's `action`, which stays
 *   on the element for a browser without JavaScript), and the form is cleared only on success, when asked.
 * - Errors name their field (`fieldErrors: { field: message }`); `Field` shows each one beside its input,
 *   tied with aria-invalid and aria-describedby.
 * - Focus moves to the first field in error, in the form's order; when the refusal names no field, to the
 *   form's error message (FormStatus), so a keyboard or screen-reader user lands on why, not on the page.
 */
export function useActionForm<S extends Result>(
  action: (prev: S | null, form: FormData) => Promise<S>,
  options: { resetOnSuccess?: boolean; confirm?: string } = {},
) {
  const [state, dispatch, pending] = useActionState<S | null, FormData>(action, null);
  const ref = useRef<HTMLFormElement>(null);
  const { resetOnSuccess, confirm } = options;
  useEffect(() => {
    const form = ref.current;
    if (!state || !form) return;
    if (state.ok) {
      if (resetOnSuccess) form.reset();
    } else {
      focusFirstError(form, state.fieldErrors);
    }
  }, [state, resetOnSuccess]);
  const errors: Record<string, string> = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  return {
    state,
    pending,
    errors,
    formProps: {
      ref,
      action: dispatch,
      onSubmit(event: FormEvent<HTMLFormElement>) {
        event.preventDefault();
        if (confirm && !window.confirm(confirm)) return;
        const submitter = (event.nativeEvent as SubmitEvent).submitter;
        const data = new FormData(event.currentTarget, submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement ? submitter : null);
        startTransition(() => dispatch(data));
      },
    },
  };
}

/**
 * Focuses the first control (in document order) whose `name` or `data-field` has an error; a fieldset
 * named so stands for its first control. Without one, the form's error message.
 */
export function focusFirstError(form: HTMLFormElement, fieldErrors: Record<string, string> | undefined) {
  const names = new Set(Object.keys(fieldErrors ?? {}));
  if (names.size) {
    for (const element of Array.from(form.elements) as HTMLElement[]) {
      // `data-field` names a control whose `name` is shared by several (a row of a repeated group).
      if (!names.has(element.getAttribute("data-field") ?? "") && !names.has(element.getAttribute("name") ?? "")) continue;
      const target = element instanceof HTMLFieldSetElement ? firstControl(element) : element;
      if (target && isFocusable(target)) {
        target.focus();
        return;
      }
    }
  }
  (form.querySelector<HTMLElement>("[data-form-error]") ?? form.querySelector<HTMLElement>('[aria-invalid="true"]'))?.focus();
}

function firstControl(group: HTMLFieldSetElement): HTMLElement | null {
  return (Array.from(group.elements) as HTMLElement[]).find(isFocusable) ?? null;
}

function isFocusable(element: HTMLElement): boolean {
  if (element instanceof HTMLFieldSetElement) return false;
  if ((element as HTMLInputElement).disabled || (element as HTMLInputElement).type === "hidden") return false;
  return element.getClientRects().length > 0;
}
