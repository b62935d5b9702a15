"use client";

import { useDeferredValue, useId, useMemo, useState } from "react";
import { ContactPicker } from "@/components/campaigns/contact-picker";
import type { PreviewContact } from "@/lib/campaigns/preview";
import { SAMPLE_RECIPIENT } from "@/lib/campaigns/preview-recipients";
import { compileTemplate, htmlToText, renderTemplate, TemplateError, type Recipient } from "@/lib/campaigns/template";

function render(source: string, recipient: Recipient, mode: "html" | "text"): string {
  try {
    return renderTemplate({ template: compileTemplate(source), recipient, mode });
  } catch (error) {
    // The composer's warnings say what is wrong; the preview shows the source as it stands.
    if (error instanceof TemplateError) return source;
    throw error;
  }
}

/**
 * An email (a campaign's, a sequence email's) as a contact would receive it: subject, HTML in a sandboxed
 * frame or the plain text, personalized as a contact picked from `listIds`' members (everyone when none)
 * or sample values. Rendered in the browser with the server's template engine.
 */
export function EmailPreview({ subject, html, text, listIds, hint, title = "Preview for" }: { subject: string; html: string; text: string; listIds: string[]; hint: string; title?: string }) {
  const id = useId();
  const [previewAs, setPreviewAs] = useState<PreviewContact | null>(null);
  const [tab, setTab] = useState<"html" | "text">("html");
  const recipient: Recipient = useMemo(
    () =>
      previewAs
        ? { email: previewAs.email, name: previewAs.name, fields: previewAs.fields, unsubscribeUrl: "#unsubscribe" }
        : { ...SAMPLE_RECIPIENT, email: "ada@example.com", unsubscribeUrl: "#unsubscribe" },
    [previewAs],
  );
  const deferredHtml = useDeferredValue(html);
  const deferredText = useDeferredValue(text);
  const htmlPreview = useMemo(() => render(deferredHtml, recipient, "html"), [deferredHtml, recipient]);
  const subjectPreview = render(subject, recipient, "text");
  const textPreview = useMemo(() => render(deferredText.trim() ? deferredText : htmlToText(deferredHtml), recipient, "text"), [deferredText, deferredHtml, recipient]);

  return (
    <section aria-labelledby={`${id}-heading`} className="min-w-0 space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`${id}-heading`} className="text-sm font-semibold text-slate-700">
          {title} {previewAs ? previewAs.name || previewAs.email : `${SAMPLE_RECIPIENT.name} (sample values)`}
        </h2>
        <div role="tablist" aria-label="Preview format" className="flex gap-1 rounded-md bg-slate-100 p-1 text-xs">
          {(["html", "text"] as const).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)} className={`rounded px-2 py-1 ${tab === t ? "bg-white shadow-sm" : "text-slate-700"}`}>
              {t === "html" ? "HTML" : "Plain text"}
            </button>
          ))}
        </div>
      </div>
      <ContactPicker label="Preview as" listIds={listIds} value={previewAs} onChange={setPreviewAs} hint={hint} />
      <p className="rounded-md border border-slate-200 bg-white px-3 py-2 text-sm wrap-anywhere">
        <span className="text-slate-500">Subject: </span>
        <span data-testid="preview-subject">{subjectPreview}</span>
      </p>
      {tab === "html" ? (
        // sandbox with no permissions: the preview can run no script and reach nothing.
        <iframe title="Email preview" sandbox="" srcDoc={htmlPreview} className="h-[32rem] w-full rounded-md border border-slate-200 bg-white" />
      ) : (
        <pre tabIndex={0} aria-label="Plain-text preview" className="h-[32rem] overflow-auto whitespace-pre-wrap rounded-md border border-slate-200 bg-white p-4 text-sm wrap-anywhere">{textPreview}</pre>
      )}
    </section>
  );
}
