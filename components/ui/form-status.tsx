export function FormStatus({ state }: { state: { ok: true; message: string } | { ok: false; error: string } | null }) {
  if (!state) return null;
  return state.ok ? (
    <p role="status" className="text-sm text-emerald-700">
      {state.message}
    </p>
  ) : (
    <p role="alert" className="text-sm text-red-600">
      {state.error}
    </p>
  );
}
