"use client";

import { useEffect, useMemo, useState } from "react";
import { AudiencePicker, type AudienceOptions, type AudienceTargets } from "@/components/campaigns/audience-picker";
import { saveCampaignAction } from "@/app/(dashboard)/campaigns/actions";
import { EmailPreview } from "@/components/campaigns/email-preview";
import { RichTextEditor } from "@/components/campaigns/rich-text-editor";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field, inputClass } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";
import { formatNumber } from "@/components/ui/format";
import { editableHtml, richTextLosses, toEmailHtml } from "@/lib/campaigns/email-html";
import { findTemplateProblems } from "@/lib/campaigns/template";

export interface CampaignFormProps {
  /** What the audience can be made of: lists, tags, segments (components/campaigns/audience-picker.tsx). */
  audienceOptions: AudienceOptions;
  defaultFrom: string;
  /** Custom field keys contacts have: a `{{ fields.x }}` outside them is warned about. */
  knownFields: string[];
  /** The campaign being edited; absent for a new one (which may start from a template's `initial`). */
  campaignId?: string;
  initial?: { name: string; fromEmail?: string; subject: string; html: string; text: string | null; targets: AudienceTargets; honeypot?: boolean };
}

// Paragraphs, not a heading: the editor sits inside the page, whose only level-1 heading is its title.
const STARTER_EDITOR_HTML = `<p>Hello {{ name | default: "there" }},</p><p>Write your message here.</p>`;

type Mode = "rich" | "html";

/** Warnings per part, recomputed a moment after typing stops (the parser the server uses). */
function useTemplateWarnings(parts: { label: string; source: string }[], knownFields: string[]) {
  const [warnings, setWarnings] = useState<{ part: string; message: string }[]>([]);
  const key = JSON.stringify(parts);
  useEffect(() => {
    const timer = setTimeout(() => {
      const next: { part: string; message: string }[] = [];
      for (const { label, source } of JSON.parse(key) as { label: string; source: string }[]) {
        const seen = new Set<string>();
        for (const p of findTemplateProblems(source, { knownFields })) {
          if (seen.has(p.message)) continue;
          seen.add(p.message);
          next.push({ part: label, message: p.message });
        }
      }
      setWarnings(next);
    }, 300);
    return () => clearTimeout(timer);
  }, [key, knownFields]);
  return warnings;
}

export function CampaignForm({ audienceOptions, defaultFrom, knownFields, campaignId, initial }: CampaignFormProps) {
  const { state, pending, errors, formProps } = useActionForm(saveCampaignAction);
  const [subject, setSubject] = useState(initial?.subject ?? "");
  const initialHtml = initial?.html ?? "";
  // A new campaign starts in the editor; a saved one too unless the editor would lose part of its HTML.
  const [mode, setMode] = useState<Mode>(() => (!initialHtml || richTextLosses(initialHtml).length === 0 ? "rich" : "html"));
  const [editorSeed, setEditorSeed] = useState(() => ({ html: initialHtml ? editableHtml(initialHtml) : STARTER_EDITOR_HTML, version: 0 }));
  const [editorHtml, setEditorHtml] = useState(editorSeed.html);
  const [htmlSource, setHtmlSource] = useState(initialHtml);
  const [pendingSwitch, setPendingSwitch] = useState<string[] | null>(null);
  const [text, setText] = useState(initial?.text ?? "");
  const [audienceListIds, setAudienceListIds] = useState<string[]>(initial?.targets.listIds ?? []);
  const [honeypot, setHoneypot] = useState(initial?.honeypot ?? true);

  const emailHtml = useMemo(() => (mode === "rich" ? toEmailHtml(editorHtml) : htmlSource), [mode, editorHtml, htmlSource]);
  const warnings = useTemplateWarnings(
    [
      { label: "Subject", source: subject },
      { label: "Body", source: emailHtml },
      { label: "Plain text", source: text },
    ],
    knownFields,
  );

  const switchToRich = (force = false) => {
    const losses = richTextLosses(htmlSource);
    if (losses.length && !force) {
      setPendingSwitch(losses);
      return;
    }
    setPendingSwitch(null);
    const seed = editableHtml(htmlSource);
    setEditorSeed((s) => ({ html: seed, version: s.version + 1 }));
    setEditorHtml(seed);
    setMode("rich");
  };
  const switchToHtml = () => {
    setHtmlSource(toEmailHtml(editorHtml));
    setPendingSwitch(null);
    setMode("html");
  };

  return (
    <form {...formProps} className="grid gap-8 xl:grid-cols-2" aria-label="Campaign">
      {campaignId ? <input type="hidden" name="campaignId" value={campaignId} /> : null}
      <div className="min-w-0 space-y-5">
        <Field label="Campaign name" name="name" required defaultValue={initial?.name} error={errors.name} hint="Only you see this." />
        <Field label="From" name="from" defaultValue={initial?.fromEmail ?? defaultFrom} error={errors.from} hint="An address or Name <address> on a sender signature Postmark knows." />
        <Field label="Subject" name="subject" required value={subject} onChange={(e) => setSubject(e.target.value)} error={errors.subject} />

        <div className="space-y-2">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <span id="body-label" className="text-sm font-medium text-slate-700">
              Body
            </span>
            <div role="group" aria-label="Body editor" className="flex gap-1 rounded-md bg-slate-100 p-1 text-xs">
              <button type="button" aria-pressed={mode === "rich"} onClick={() => (mode === "rich" ? null : switchToRich())} className={`rounded px-2 py-1 ${mode === "rich" ? "bg-white font-medium text-slate-900 shadow-sm" : "text-slate-700"}`}>
                Rich text
              </button>
              <button type="button" aria-pressed={mode === "html"} onClick={() => (mode === "html" ? null : switchToHtml())} className={`rounded px-2 py-1 ${mode === "html" ? "bg-white font-medium text-slate-900 shadow-sm" : "text-slate-700"}`}>
                HTML
              </button>
            </div>
          </div>
          {pendingSwitch ? (
            <div role="alert" className="space-y-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              <p>
                The rich-text editor cannot keep all of this HTML. Switching would drop: <strong>{pendingSwitch.join(", ")}</strong>.
              </p>
              <div className="flex flex-wrap gap-2">
                <Button variant="secondary" onClick={() => switchToRich(true)}>
                  Switch and drop them
                </Button>
                <Button variant="secondary" onClick={() => setPendingSwitch(null)}>
                  Stay in HTML
                </Button>
              </div>
            </div>
          ) : null}
          {mode === "rich" ? (
            <>
              {/* What is saved and sent: the editor's content as email-safe HTML. */}
              <input type="hidden" name="html" value={emailHtml} />
              <RichTextEditor key={editorSeed.version} initialHtml={editorSeed.html} onChange={setEditorHtml} knownFields={knownFields} label="Body (rich text)" />
            </>
          ) : (
            <textarea
              id="field-html"
              name="html"
              aria-label="HTML body"
              required
              rows={16}
              value={htmlSource}
              onChange={(e) => setHtmlSource(e.target.value)}
              aria-invalid={errors.html ? true : undefined}
              className={`${inputClass} font-mono text-xs`}
            />
          )}
          <p className={`text-xs ${errors.html ? "text-red-600" : "text-slate-500"}`}>
            {errors.html ?? 'Variables: {{ name }}, {{ email }}, {{ fields.x }}, {{ unsubscribe_url }}; fallbacks: {{ name | default: "there" }}. An unsubscribe link is added when you place none.'}
          </p>
        </div>

        <div role="status" aria-live="polite" data-testid="template-warnings">
          {warnings.length ? (
            <div className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              <p className="font-medium">Check the personalization</p>
              <ul className="mt-1 list-disc space-y-0.5 pl-5">
                {warnings.map((w, i) => (
                  <li key={i} className="wrap-anywhere">
                    {w.part}: {w.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>

        <div className="space-y-1">
          <label htmlFor="field-text" className="block text-sm font-medium text-slate-700">
            Plain-text body <span className="font-normal text-slate-500">(optional)</span>
          </label>
          <textarea id="field-text" name="text" rows={5} value={text} onChange={(e) => setText(e.target.value)} placeholder="Leave empty to derive it from the HTML" className={`${inputClass} font-mono text-xs`} />
        </div>
        <AudiencePicker
          options={audienceOptions}
          initial={initial?.targets ?? { listIds: [], tagIds: [], segmentIds: [], excludeSegmentIds: [], excludeListIds: [], excludeTagIds: [] }}
          error={errors.list_ids}
          onListIdsChange={setAudienceListIds}
        />
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium text-slate-700">Engagement tracking</legend>
          {/* Top-aligned: on a phone the label wraps, and the box belongs beside its first line. */}
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" name="honeypot" checked={honeypot} onChange={(e) => setHoneypot(e.target.checked)} aria-describedby="honeypot-hint" className="mt-0.5" />
            Add a hidden link that catches link scanners (recommended)
          </label>
          <p id="honeypot-hint" className="ml-6 text-xs text-slate-500">
            Company mail filters click every link to check it; no person can see or reach this one, so a click on it shows those clicks were a scanner&apos;s, not a reader&apos;s.
          </p>
        </fieldset>
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={pending}>
            {pending ? "Saving…" : campaignId ? "Save changes" : "Save draft"}
          </Button>
          <FormStatus state={state} />
        </div>
      </div>

      <EmailPreview subject={subject} html={emailHtml} text={text} listIds={audienceListIds} hint="A contact of the audience: see the subject and body as they would receive it." />
    </form>
  );
}
