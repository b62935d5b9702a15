/**
 * The outcome of a form's action. The error can take focus (useActionForm moves it here when the server
 * names no field), so it must sit inside the form.
 */
export function FormStatus({ state }: { state: { ok: true; message: string } | { ok: false; error: string } | null }) {
  if (!state) return null;
  return state.ok ? (
    <p role="status" className="text-sm text-emerald-700">
      {state.message}
    </p>
  ) : (
    <p role="alert" tabIndex={-1} data-form-error className="text-sm text-red-600 focus:outline-none">
      {state.error}
    </p>
  );
}
