"use client";

import { ListSelect } from "@/components/contacts/list-select";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { ProgressBar } from "@/components/ui/progress";
import { formatNumber } from "@/components/ui/format";

interface Report {
  totalRows: number;
  created: number;
  updated: number;
  refused: { row: number; email: string; reason: string }[];
}

type Phase = { label: string; value: number; max: number };

/**
 * Uploads a CSV with XMLHttpRequest (upload progress) and reads the server's NDJSON answer as it
 * arrives (validation and writing progress), then shows the per-row report.
 */
export function ImportForm({ lists }: { lists: { id: string; name: string }[] }) {
  const router = useRouter();
  const [phase, setPhase] = useState<Phase | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const file = form.get("file");
    if (!(file instanceof File) || file.size === 0) {
      setError("Choose a CSV file first");
      return;
    }
    setBusy(true);
    setError(null);
    setReport(null);
    const xhr = new XMLHttpRequest();
    const listId = String(form.get("list_id") ?? "");
    xhr.open("POST", `/contacts/import${listId ? `?list_id=${encodeURIComponent(listId)}` : ""}`);
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.upload.onprogress = (e) => setPhase({ label: "Uploading", value: e.loaded, max: e.total || file.size });
    let seen = 0;
    const consume = () => {
      const lines = xhr.responseText.slice(seen).split("\n");
      const complete = lines.slice(0, -1);
      seen += complete.reduce((n, l) => n + l.length + 1, 0);
      for (const line of complete) {
        if (!line.trim()) continue;
        const msg = JSON.parse(line);
        if (msg.progress) setPhase({ label: msg.progress.phase === "validating" ? "Checked rows" : "Saving contacts", value: msg.progress.processed, max: msg.progress.total || 1 });
        if (msg.report) setReport(msg.report);
        if (msg.error) setError(msg.error.message);
      }
    };
    xhr.onprogress = consume;
    xhr.onload = () => {
      consume();
      if (xhr.status >= 400 && !xhr.responseText.includes("\n")) {
        try {
          setError(JSON.parse(xhr.responseText).error.message);
        } catch {
          setError(`Import failed (HTTP ${xhr.status})`);
        }
      }
      setBusy(false);
      router.refresh();
    };
    xhr.onerror = () => {
      setError("The upload was interrupted. Nothing was imported; try again.");
      setBusy(false);
    };
    xhr.send(file);
  }

  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} className="grid gap-4 sm:grid-cols-[1fr_14rem_auto] sm:items-end" aria-label="Import contacts">
        <div className="space-y-1">
          <label htmlFor="import-file" className="block text-sm font-medium text-slate-700">
            CSV file
          </label>
          <input id="import-file" name="file" type="file" accept=".csv,text/csv" className="block w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-2" />
        </div>
        <ListSelect id="import-list" label="Add to list" lists={lists} />
        <Button type="submit" disabled={busy}>
          {busy ? "Importing…" : "Import"}
        </Button>
      </form>
      <p className="text-xs text-slate-500">A header row with an email column; name and any other columns (they become custom fields). UTF-8, up to 10 MB. Existing contacts are updated, never resubscribed.</p>
      {phase && busy ? <ProgressBar label={phase.label} value={phase.value} max={phase.max} /> : null}
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {report ? (
        <div role="status" className="space-y-2 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm">
          <p className="font-medium text-emerald-900">
            {formatNumber(report.totalRows)} rows: {formatNumber(report.created)} added, {formatNumber(report.updated)} updated, {formatNumber(report.refused.length)} refused.
          </p>
          {report.refused.length ? (
            <details open={report.refused.length <= 20}>
              <summary className="cursor-pointer text-emerald-900">Refused rows</summary>
              <table className="mt-2 w-full text-left text-xs">
                <thead>
                  <tr>
                    <th className="py-1 pr-3">Line</th>
                    <th className="py-1 pr-3">Email</th>
                    <th className="py-1">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {report.refused.slice(0, 500).map((r) => (
                    <tr key={r.row}>
                      <td className="py-0.5 pr-3 tabular-nums">{r.row}</td>
                      <td className="py-0.5 pr-3 font-mono">{r.email || "—"}</td>
                      <td className="py-0.5">{r.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
