"use client";

import { useActionState } from "react";
import { revealSecretAction, rotateSecretAction } from "@/app/(dashboard)/webhooks/actions";
import { Button } from "@/components/ui/button";
import { FormStatus } from "@/components/ui/form-status";

/** Reveal (recorded) and rotate (24-hour overlap) the signing secret. */
export function SecretPanel({ endpointId, canRotate }: { endpointId: string; canRotate: boolean }) {
  const [revealed, reveal, revealing] = useActionState(revealSecretAction, null);
  const [rotated, rotate, rotating] = useActionState(rotateSecretAction, null);
  const shown = rotated?.ok ? rotated : revealed?.ok ? revealed : null;
  return (
    <div className="space-y-3 text-sm">
      <div className="flex flex-wrap gap-3">
        <form action={reveal}>
          <input type="hidden" name="endpointId" value={endpointId} />
          <Button type="submit" variant="secondary" disabled={revealing}>
            {revealing ? "Revealing…" : "Reveal secret"}
          </Button>
        </form>
        {canRotate ? (
          <form
            action={rotate}
            onSubmit={(e) => {
              if (!window.confirm("Rotate the secret? The old one keeps signing for 24 hours.")) e.preventDefault();
            }}
          >
            <input type="hidden" name="endpointId" value={endpointId} />
            <Button type="submit" variant="secondary" disabled={rotating}>
              {rotating ? "Rotating…" : "Rotate secret"}
            </Button>
          </form>
        ) : null}
      </div>
      {shown?.data ? (
        <div className="rounded-md border border-amber-300 bg-amber-50 p-3">
          <p className="text-sm font-medium text-amber-900">{shown.message}</p>
          <code data-testid="webhook-secret" className="mt-2 block wrap-anywhere rounded bg-white px-2 py-1 font-mono text-xs">{shown.data.key}</code>
          {shown.data.previousKey ? (
            <p className="mt-2 text-xs text-amber-900">
              Previous secret, still signing until {shown.data.previousKeyExpiresAt?.replace("T", " ").slice(0, 16)} UTC:
              <code className="mt-1 block wrap-anywhere rounded bg-white px-2 py-1 font-mono">{shown.data.previousKey}</code>
            </p>
          ) : null}
        </div>
      ) : (
        <FormStatus state={rotated && !rotated.ok ? rotated : revealed && !revealed.ok ? revealed : null} />
      )}
    </div>
  );
}
