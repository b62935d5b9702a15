"use client";

import { ListSelect } from "@/components/contacts/list-select";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { focusFirstError } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { describe, FieldMessages, inputClass } from "@/components/ui/field";
import { ProgressBar } from "@/components/ui/progress";
import { readCsvPreview, type CsvPreview } from "@/components/contacts/import-preview";
import { ImportSummary } from "@/components/contacts/import-summary";
import type { ImportReport } from "@/lib/contacts/import-csv";
import { FIELD_NAME_PATTERN, FIELD_NAME_RULE, guessMapping, serializeMapping, toFieldName, type ColumnRole, type ImportMapping } from "@/lib/contacts/import-mapping";

type Phase = { label: string; value: number; max: number };
/** A column's choice; the field name is kept while another role is picked, so switching back restores it. */
type Choice = { role: ColumnRole; field: string };

const ROLE_LABELS: Record<ColumnRole, string> = {
  email: "Email address",
  name: "Name",
  field: "Custom field",
  tags: "Tags",
  ignore: "Ignore",
};

/** What is wrong with the mapping, keyed by the control's name (role-N, field-N), as server actions key fieldErrors. */
function mappingProblems(choices: Choice[]): Record<string, string> {
  const problems: Record<string, string> = {};
  const emails = choices.flatMap((c, i) => (c.role === "email" ? [i] : []));
  if (emails.length === 0 && choices.length) problems["role-0"] = "Choose the column that holds the email address";
  for (const i of emails.slice(1)) problems[`role-${i}`] = "Only one column can be the email address";
  const seen = new Map<string, number>();
  for (const [i, c] of choices.entries()) {
    if (c.role !== "field") continue;
    if (!FIELD_NAME_PATTERN.test(c.field)) problems[`field-${i}`] = FIELD_NAME_RULE;
    else if (seen.has(c.field.toLowerCase())) problems[`field-${i}`] = `Column ${seen.get(c.field.toLowerCase())! + 1} already uses this name`;
    else seen.set(c.field.toLowerCase(), i);
  }
  return problems;
}

function toMapping(choices: Choice[]): ImportMapping {
  return choices.map((c) => (c.role === "field" ? { role: "field", field: c.field } : { role: c.role }));
}

/**
 * The import: choose a file; its first rows are previewed (read from the start of the file only) with a
 * role for each column, guessed from the header and changeable; then the file is uploaded with the mapping
 * (XMLHttpRequest, for upload progress), the server's NDJSON progress is drawn as it arrives, and the
 * summary lists what was imported and what was skipped, and why.
 */
export function ImportForm({ lists }: { lists: { id: string; name: string }[] }) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [choices, setChoices] = useState<Choice[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  // An object, so the same message twice is a new error that takes focus again.
  const [error, setError] = useState<{ message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);
  const problems = preview ? mappingProblems(choices) : {};
  // A refused upload: focus on why (the button that had it was disabled while sending).
  useEffect(() => {
    if (error) formRef.current?.querySelector<HTMLElement>("[data-form-error]")?.focus();
  }, [error]);
  // Shown once the user tried to import, or as soon as a name they typed is wrong.
  const shown = Object.fromEntries(Object.entries(problems).filter(([key]) => tried || key.startsWith("field-")));

  async function onFile(file: File | undefined) {
    setPreview(null);
    setChoices([]);
    setReport(null);
    setError(null);
    setTried(false);
    setFileError(null);
    if (!file) return;
    try {
      const read = await readCsvPreview(file);
      setPreview(read);
      setChoices(guessMapping(read.header).map((c, i) => ({ role: c.role, field: c.role === "field" ? c.field : toFieldName(read.header[i] ?? "") })));
    } catch (e) {
      setFileError((e as Error).message);
    }
  }

  function setChoice(i: number, change: Partial<Choice>) {
    setChoices((all) => all.map((c, k) => (k === i ? { ...c, ...change } : c)));
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const file = form.get("file");
    setTried(true);
    if (!(file instanceof File) || file.size === 0) {
      setFileError("Choose a CSV file first");
      requestAnimationFrame(() => focusFirstError(formElement, { file: "missing" }));
      return;
    }
    if (!preview || Object.keys(problems).length) {
      requestAnimationFrame(() => focusFirstError(formElement, problems));
      return;
    }
    setBusy(true);
    setError(null);
    setReport(null);
    const query = new URLSearchParams({ mapping: serializeMapping(toMapping(choices)) });
    const listId = String(form.get("list_id") ?? "");
    if (listId) query.set("list_id", listId);
    if (form.get("strict_encoding")) query.set("strict_encoding", "true");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/contacts/import/upload?${query}`);
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.upload.onprogress = (e) => setPhase({ label: "Uploading", value: e.loaded, max: e.total || file.size });
    const fail = (message: string) => setError({ message });
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
        if (msg.error) fail(msg.error.message);
      }
    };
    xhr.onprogress = consume;
    xhr.onload = () => {
      if (xhr.status >= 400) {
        try {
          fail(JSON.parse(xhr.responseText).error.message);
        } catch {
          fail(`Import failed (HTTP ${xhr.status})`);
        }
      } else {
        consume();
      }
      setBusy(false);
      router.refresh();
    };
    xhr.onerror = () => {
      fail("The upload was interrupted. Nothing was imported; try again.");
      setBusy(false);
    };
    xhr.send(file);
  }

  const fileIds = describe("import-file", fileError ?? undefined, "hint");
  return (
    <div className="space-y-6">
      <form ref={formRef} onSubmit={onSubmit} noValidate className="space-y-6" aria-label="Import contacts">
        <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_14rem] sm:items-start">
          <div className="space-y-1">
            <label htmlFor="import-file" className="block text-sm font-medium text-slate-700">
              CSV file
            </label>
            <input
              id="import-file"
              name="file"
              type="file"
              accept=".csv,text/csv"
              onChange={(e) => void onFile(e.target.files?.[0])}
              {...fileIds.control}
              className="block w-full max-w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-2"
            />
            <FieldMessages id="import-file" error={fileError ?? undefined} hint="A header row, then one contact per row; UTF-8, up to 10 MB and 100,000 rows. Existing contacts are updated, never resubscribed." />
          </div>
          <ListSelect id="import-list" label="Add to list" lists={lists} />
        </div>
        <div className="flex items-start gap-2 text-sm">
          <input id="import-strict" name="strict_encoding" type="checkbox" className="mt-0.5" aria-describedby="import-strict-hint" />
          <div>
            <label htmlFor="import-strict" className="font-medium text-slate-700">
              Refuse the whole file if any row is not UTF-8
            </label>
            <p id="import-strict-hint" className="text-xs text-slate-500">
              Otherwise such rows (saved in another encoding, such as Latin-1) are skipped and listed, and the rest is imported.
            </p>
          </div>
        </div>

        {preview ? <ColumnMapping preview={preview} choices={choices} problems={shown} onChange={setChoice} /> : null}

        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={busy}>
            {busy ? "Importing…" : "Import"}
          </Button>
          {error ? (
            <p role="alert" tabIndex={-1} data-form-error className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 focus:outline-none">
              {error.message}
            </p>
          ) : null}
        </div>
      </form>
      {phase && busy ? <ProgressBar label={phase.label} value={phase.value} max={phase.max} /> : null}
      {report ? <ImportSummary report={report} /> : null}
    </div>
  );
}

/**
 * Rows of the preview that the import will skip, and why, as far as the browser can tell (the server's
 * check of each address is the one that counts).
 */
function previewSkips(preview: CsvPreview, emailIndex: number): Map<number, string> {
  const skips = new Map<number, string>();
  const seen = new Map<string, number>();
  for (const r of preview.rows) {
    const email = emailIndex >= 0 ? (r.values[emailIndex] ?? "") : "";
    if (r.notUtf8) skips.set(r.row, "not UTF-8");
    else if (emailIndex < 0) continue;
    else if (!email) skips.set(r.row, "no email address");
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) skips.set(r.row, "not a valid email address");
    else if (seen.has(email.toLowerCase())) skips.set(r.row, `duplicate of row ${seen.get(email.toLowerCase())}`);
    else seen.set(email.toLowerCase(), r.row);
  }
  return skips;
}

function ColumnMapping({ preview, choices, problems, onChange }: { preview: CsvPreview; choices: Choice[]; problems: Record<string, string>; onChange: (i: number, change: Partial<Choice>) => void }) {
  // One column per thing written: several name columns show as one Name, joined as the server joins them.
  const firstName = choices.findIndex((c) => c.role === "name");
  const mapped = choices.map((c, i) => ({ ...c, i })).filter((c) => (c.role === "name" ? c.i === firstName : c.role !== "ignore" && c.role !== "tags"));
  const heading = (c: Choice) => (c.role === "email" ? "Email" : c.role === "name" ? "Name" : c.field || "—");
  const skips = previewSkips(preview, choices.findIndex((c) => c.role === "email"));
  return (
    <>
      <section aria-labelledby="import-columns-heading" className="space-y-3">
        <div>
          <h3 id="import-columns-heading" className="text-sm font-semibold text-slate-900">
            Columns
          </h3>
          <p className="text-xs text-slate-500">
            Guessed from the header: check each column. Several name columns (first and last name) are joined with a space. Custom fields are what{" "}
            <code>{"{{ fields.name }}"}</code> prints in a campaign.
          </p>
        </div>
        <ol className="divide-y divide-slate-100 rounded-md border border-slate-200">
          {preview.header.map((header, i) => {
            const choice = choices[i] ?? { role: "ignore", field: "" };
            const samples = preview.rows.map((r) => r.values[i] ?? "").filter(Boolean).slice(0, 3);
            const role = describe(`import-role-${i}`, problems[`role-${i}`]);
            const field = describe(`import-field-${i}`, problems[`field-${i}`]);
            return (
              <li key={i} className="grid gap-2 p-3 sm:grid-cols-[minmax(0,1fr)_11rem_minmax(0,13rem)] sm:items-start">
                <div className="min-w-0">
                  <p className="text-sm font-medium text-slate-900 wrap-anywhere">
                    <span className="text-slate-500">Column {i + 1}:</span> {header || <em className="text-slate-500">no header</em>}
                  </p>
                  <p className="truncate text-xs text-slate-500" title={samples.join(", ")}>
                    {samples.length ? samples.join(", ") : "empty in the first rows"}
                  </p>
                </div>
                <div className="space-y-1">
                  <label htmlFor={`import-role-${i}`} className="sr-only">
                    Use column {i + 1} ({header || "no header"}) as
                  </label>
                  <select id={`import-role-${i}`} name={`role-${i}`} value={choice.role} onChange={(e) => onChange(i, { role: e.target.value as ColumnRole })} {...role.control} className={inputClass}>
                    {(["email", "name", "field", "tags", "ignore"] as const).map((r) => (
                      <option key={r} value={r}>
                        {ROLE_LABELS[r]}
                      </option>
                    ))}
                  </select>
                  <FieldMessages id={`import-role-${i}`} error={problems[`role-${i}`]} />
                </div>
                {choice.role === "field" ? (
                  <div className="space-y-1">
                    <label htmlFor={`import-field-${i}`} className="sr-only">
                      Field name for column {i + 1}
                    </label>
                    <input id={`import-field-${i}`} name={`field-${i}`} value={choice.field} onChange={(e) => onChange(i, { field: e.target.value })} maxLength={64} spellCheck={false} {...field.control} className={`${inputClass} font-mono`} />
                    <FieldMessages id={`import-field-${i}`} error={problems[`field-${i}`]} />
                  </div>
                ) : null}
              </li>
            );
          })}
        </ol>
      </section>

      <section aria-labelledby="import-preview-heading" className="space-y-2">
        <h3 id="import-preview-heading" className="text-sm font-semibold text-slate-900">
          First rows as they will be imported
        </h3>
        <div className="overflow-x-auto rounded-md border border-slate-200">
          <table className="w-full text-left text-xs" aria-label="Import preview">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">
                  Row
                </th>
                {mapped.map((c) => (
                  <th key={c.i} scope="col" className="px-3 py-2 font-medium whitespace-nowrap">
                    {heading(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {preview.rows.map((r) => (
                <tr key={r.row} className={skips.has(r.row) ? "bg-amber-50" : undefined}>
                  <td className="px-3 py-1.5 tabular-nums">{r.row}</td>
                  {skips.has(r.row) ? (
                    <td colSpan={Math.max(1, mapped.length)} className="px-3 py-1.5 text-amber-900">
                      Will be skipped: {skips.get(r.row)}
                    </td>
                  ) : (
                    mapped.map((c) => (
                      <td key={c.i} className="max-w-56 truncate px-3 py-1.5">
                        {c.role === "name" ? choices.flatMap((n, k) => (n.role === "name" && r.values[k] ? [r.values[k]] : [])).join(" ") : (r.values[c.i] ?? "")}
                      </td>
                    ))
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="text-xs text-slate-500">
          {preview.rows.length ? `The first ${preview.rows.length} rows` : "No rows yet"}
          {preview.partial ? " (read from the start of the file only)." : "."}
        </p>
      </section>
    </>
  );
}
