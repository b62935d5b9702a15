"use client";

import { useDeferredValue, useMemo, useState } from "react";
import { saveCampaignAction } from "@/app/(dashboard)/campaigns/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field, inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import { compileTemplate, htmlToText, renderTemplate, TemplateError } from "@/lib/campaigns/template";
import { formatNumber } from "@/components/ui/format";

export interface CampaignFormProps {
  lists: { id: string; name: string; subscribedCount: number }[];
  totalSubscribed: number;
  defaultFrom: string;
  initial?: { id: string; name: string; fromEmail: string; subject: string; html: string; text: string | null; listIds: string[] };
}

const SAMPLE = { email: "ada@example.com", name: "Ada Lovelace", fields: { city: "London", company: "Analytical Engines" }, unsubscribeUrl: "#unsubscribe" };

const STARTER_HTML = `<h1>Hello {{ name | default: "there" }}</h1>
<p>Write your message here. Personalise with {{ name }}, {{ email }} or {{ fields.city }}.</p>
<p><a href="https://example.com">Read more</a></p>`;

function preview(source: string, mode: "html" | "text"): { output: string; error?: string } {
  try {
    return { output: renderTemplate({ template: compileTemplate(source), recipient: SAMPLE, mode }) };
  } catch (error) {
    return { output: "", error: error instanceof TemplateError ? error.message : String(error) };
  }
}

export function CampaignForm({ lists, totalSubscribed, defaultFrom, initial }: CampaignFormProps) {
  const { state, pending, errors, formProps } = useActionForm(saveCampaignAction);
  const [subject, setSubject] = useState(initial?.subject ?? "");
  const [html, setHtml] = useState(initial?.html ?? STARTER_HTML);
  const [text, setText] = useState(initial?.text ?? "");
  const [audience, setAudience] = useState<"all" | "lists">(initial?.listIds.length ? "lists" : "all");
  const deferredHtml = useDeferredValue(html);
  const deferredText = useDeferredValue(text);
  const htmlPreview = useMemo(() => preview(deferredHtml, "html"), [deferredHtml]);
  const subjectPreview = useMemo(() => preview(subject, "text"), [subject]);
  const textPreview = useMemo(() => preview(deferredText.trim() ? deferredText : htmlToText(deferredHtml), "text"), [deferredText, deferredHtml]);
  const [tab, setTab] = useState<"html" | "text">("html");

  return (
    <form {...formProps} className="grid gap-8 xl:grid-cols-2" aria-label="Campaign">
      {initial ? <input type="hidden" name="campaignId" value={initial.id} /> : null}
      <div className="space-y-5">
        <Field label="Campaign name" name="name" required defaultValue={initial?.name} error={errors.name} hint="Only you see this." />
        <Field label="From" name="from" defaultValue={initial?.fromEmail ?? defaultFrom} error={errors.from} hint="An address or Name <address> on a sender signature Postmark knows." />
        <Field label="Subject" name="subject" required value={subject} onChange={(e) => setSubject(e.target.value)} error={errors.subject ?? subjectPreview.error} />
        <div className="space-y-1">
          <label htmlFor="field-html" className="block text-sm font-medium text-slate-700">
            HTML body
          </label>
          <textarea id="field-html" name="html" required rows={14} value={html} onChange={(e) => setHtml(e.target.value)} aria-invalid={errors.html || htmlPreview.error ? true : undefined} aria-describedby="html-help" className={`${inputClass} font-mono text-xs`} />
          <p id="html-help" className={`text-xs ${errors.html || htmlPreview.error ? "text-red-600" : "text-slate-500"}`}>
            {errors.html ?? htmlPreview.error ?? 'Variables: {{ name }}, {{ email }}, {{ fields.x }}, {{ unsubscribe_url }}; fallbacks: {{ name | default: "there" }}. An unsubscribe link is added when you place none.'}
          </p>
        </div>
        <div className="space-y-1">
          <label htmlFor="field-text" className="block text-sm font-medium text-slate-700">
            Plain-text body <span className="font-normal text-slate-500">(optional)</span>
          </label>
          <textarea id="field-text" name="text" rows={5} value={text} onChange={(e) => setText(e.target.value)} placeholder="Leave empty to derive it from the HTML" className={`${inputClass} font-mono text-xs`} />
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Audience</legend>
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name="audience" value="all" checked={audience === "all"} onChange={() => setAudience("all")} />
            Every subscribed contact ({formatNumber(totalSubscribed)})
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name="audience" value="lists" checked={audience === "lists"} onChange={() => setAudience("lists")} disabled={lists.length === 0} />
            Contacts in these lists{lists.length === 0 ? " (no lists yet)" : ""}
          </label>
          {audience === "lists" ? (
            <div className="ml-6 space-y-1" aria-describedby={errors.list_ids ? "campaign-lists-error" : undefined} role="group" aria-label="Lists">
              {lists.map((l) => (
                <label key={l.id} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="list_ids" value={l.id} defaultChecked={initial?.listIds.includes(l.id)} />
                  {l.name} <span className="text-slate-500">({formatNumber(l.subscribedCount)} subscribed)</span>
                </label>
              ))}
              {errors.list_ids ? (
                <p id="campaign-lists-error" className="text-sm text-red-600">
                  {errors.list_ids}
                </p>
              ) : null}
            </div>
          ) : null}
        </fieldset>
        <div className="flex items-center gap-3">
          <Button type="submit" disabled={pending}>
            {pending ? "Saving…" : initial ? "Save changes" : "Save draft"}
          </Button>
          <FormStatus state={state} />
        </div>
      </div>

      <section aria-label="Preview" className="space-y-3">
        <div className="flex items-center justify-between">
          <h2 className="text-sm font-semibold text-slate-700">Preview for {SAMPLE.name}</h2>
          <div role="tablist" className="flex gap-1 rounded-md bg-slate-100 p-1 text-xs">
            {(["html", "text"] as const).map((t) => (
              <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)} className={`rounded px-2 py-1 ${tab === t ? "bg-white shadow-sm" : "text-slate-600"}`}>
                {t === "html" ? "HTML" : "Plain text"}
              </button>
            ))}
          </div>
        </div>
        <p className="truncate rounded-md border border-slate-200 bg-white px-3 py-2 text-sm">
          <span className="text-slate-500">Subject: </span>
          <span data-testid="preview-subject">{subjectPreview.output}</span>
        </p>
        {tab === "html" ? (
          // sandbox with no permissions: the preview can run no script and reach nothing.
          <iframe title="Email preview" sandbox="" srcDoc={htmlPreview.output} className="h-[32rem] w-full rounded-md border border-slate-200 bg-white" />
        ) : (
          <pre tabIndex={0} aria-label="Plain-text preview" className="h-[32rem] overflow-auto whitespace-pre-wrap rounded-md border border-slate-200 bg-white p-4 text-sm">{textPreview.output}</pre>
        )}
      </section>
    </form>
  );
}
