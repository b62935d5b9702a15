"use client";

import { useActionState } from "react";
import { verifyEndpointAction } from "@/app/(dashboard)/webhooks/actions";
import { Button } from "@/components/ui/button";
import { FormStatus } from "@/components/ui/form-status";

/** What to publish for the ownership check, and the button that fetches it. */
export function VerifyPanel({ endpointId, fileName, fileUrl, token, lastError, verified }: { endpointId: string; fileName: string; fileUrl: string; token: string; lastError: string | null; verified: boolean }) {
  const [state, action, pending] = useActionState(verifyEndpointAction, null);
  return (
    <div className="space-y-3 text-sm">
      {verified ? (
        <p className="text-slate-600">Ownership was verified. Verifying again re-enables a disabled endpoint.</p>
      ) : (
        <p className="text-slate-600">Nothing is sent until you prove this URL is yours: publish a file in the same folder as the endpoint, then verify.</p>
      )}
      <dl className="grid gap-2 sm:grid-cols-[8rem_1fr]">
        <dt className="font-medium text-slate-600">File name</dt>
        <dd>
          <code data-testid="verification-file-name" className="rounded bg-slate-100 px-2 py-1 font-mono text-xs">{fileName}</code>
        </dd>
        <dt className="font-medium text-slate-600">Contents</dt>
        <dd>
          <code data-testid="verification-token" className="rounded bg-slate-100 px-2 py-1 font-mono text-xs">{token}</code>
        </dd>
        <dt className="font-medium text-slate-600">Fetched from</dt>
        <dd className="wrap-anywhere font-mono text-xs">{fileUrl}</dd>
      </dl>
      {lastError && !state ? <p className="text-sm text-amber-700">Last check: {lastError}</p> : null}
      <form action={action} className="flex flex-wrap items-center gap-3">
        <input type="hidden" name="endpointId" value={endpointId} />
        <Button type="submit" variant={verified ? "secondary" : "primary"} disabled={pending}>
          {pending ? "Checking…" : "Verify ownership"}
        </Button>
        <FormStatus state={state} />
      </form>
    </div>
  );
}
