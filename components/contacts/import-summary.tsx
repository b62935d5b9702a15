"use client";

import { useEffect, useMemo, useRef } from "react";
import type { ImportReport, SkipCode } from "@/lib/contacts/import-csv";
import { formatNumber } from "@/components/ui/format";

/** The skipped rows listed on the page; all of them are in the download. */
const LISTED = 20;

const SKIP_LABELS: Record<SkipCode, [string, string]> = {
  invalid_encoding: ["not UTF-8", "not UTF-8"],
  invalid_email: ["invalid address", "invalid addresses"],
  missing_email: ["without an address", "without an address"],
  duplicate: ["duplicate in the file", "duplicates in the file"],
  too_long: ["value too long", "values too long"],
};

const n = formatNumber;

/** A CSV cell, quoted, and never a formula a spreadsheet would run (the values come from the uploaded file). */
function cell(value: string | number): string {
  const text = String(value);
  return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;
}

/** After an import: how many were added, updated and skipped, why, and the skipped rows. Takes focus when shown. */
export function ImportSummary({ report }: { report: ImportReport }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [report]);
  const skipped = report.refused;
  const byReason = useMemo(() => {
    const counts = new Map<SkipCode, number>();
    for (const r of skipped) counts.set(r.code, (counts.get(r.code) ?? 0) + 1);
    return [...counts].map(([code, count]) => `${n(count)} ${SKIP_LABELS[code]?.[count === 1 ? 0 : 1] ?? code}`);
  }, [skipped]);
  const download = useMemo(() => {
    if (!skipped.length) return null;
    const lines = ["row,email,reason", ...skipped.map((r) => [r.row, r.email, r.reason].map(cell).join(","))];
    return URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" }));
  }, [skipped]);
  useEffect(() => () => void (download && URL.revokeObjectURL(download)), [download]);

  return (
    <div ref={ref} tabIndex={-1} role="status" aria-labelledby="import-summary-heading" data-testid="import-summary" className="space-y-3 rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm focus:outline-none">
      <h2 id="import-summary-heading" className="text-base font-semibold text-emerald-950">
        Import finished
      </h2>
      <dl className="grid grid-cols-3 gap-2 text-center sm:max-w-md">
        {[
          ["Imported", report.created],
          ["Updated", report.updated],
          ["Skipped", skipped.length],
        ].map(([label, value]) => (
          <div key={label} className="rounded-md bg-white px-2 py-2">
            <dt className="text-xs font-medium text-slate-600">{label}</dt>
            <dd className="text-lg font-semibold tabular-nums text-slate-900" data-testid={`import-${String(label).toLowerCase()}`}>
              {n(Number(value))}
            </dd>
          </div>
        ))}
      </dl>
      <p className="text-emerald-950">
        {n(report.totalRows)} {report.totalRows === 1 ? "row" : "rows"} read: {n(report.created)} new {report.created === 1 ? "contact" : "contacts"}, {n(report.updated)} existing updated
        {skipped.length ? `, ${n(skipped.length)} skipped (${byReason.join(", ")}).` : ", none skipped."}
      </p>
      {skipped.length ? (
        <div className="space-y-2">
          <div className="overflow-x-auto rounded-md border border-emerald-200 bg-white">
            <table className="w-full text-left text-xs" aria-label="Skipped rows">
              <thead className="bg-slate-50 text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Row
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Email
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Why it was skipped
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {skipped.slice(0, LISTED).map((r) => (
                  <tr key={r.row}>
                    <td className="px-3 py-1.5 tabular-nums">{r.row}</td>
                    <td className="max-w-48 px-3 py-1.5 font-mono wrap-anywhere">{r.email || "—"}</td>
                    <td className="px-3 py-1.5">{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="text-slate-700">
            {skipped.length > LISTED ? `The first ${LISTED} of ${n(skipped.length)} skipped rows. ` : null}
            {download ? (
              <a href={download} download="skipped-rows.csv" className="font-medium text-brand-700 underline">
                Download {skipped.length > LISTED ? "all" : "the"} skipped rows (CSV)
              </a>
            ) : null}
          </p>
        </div>
      ) : null}
      <p>
        <a href="/contacts" className="font-medium text-brand-700 underline">
          See your contacts
        </a>
      </p>
    </div>
  );
}
