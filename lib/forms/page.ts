import { escapeHtml } from "@/lib/campaigns/template";
import type { Form, FormField } from "./forms";
import { FILL_STAMP_FIELD, HONEYPOT_FIELD } from "./signups";

/**
 * The public pages of a form (the hosted form, thank-you, confirmation) and its embeddable snippet, as
 * plain HTML: they work with JavaScript off, need no session, and load nothing but themselves.
 */

const STYLE = `*{box-sizing:border-box}body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f8fafc;color:#0f172a;margin:0;padding:16px;line-height:1.5}
main{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:24px;max-width:480px;margin:24px auto}
h1{font-size:1.5rem;margin:0 0 12px}p{margin:0 0 12px}.intro,.consent{color:#334155}.consent{font-size:.875rem}
.field{margin:0 0 16px}label{display:block;font-weight:600;margin:0 0 4px}.req{font-weight:400;color:#475569}
input{width:100%;font:inherit;padding:10px 12px;border:1px solid #94a3b8;border-radius:6px;background:#fff;color:#0f172a}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #2f6fed;outline-offset:2px}
input[aria-invalid=true]{border-color:#b91c1c}.error{color:#b91c1c;font-size:.875rem;margin:4px 0 0}
.summary{border:1px solid #fecaca;background:#fef2f2;color:#991b1b;border-radius:6px;padding:12px;margin:0 0 16px}
button{width:100%;background:#1f5ad6;color:#fff;border:0;border-radius:6px;padding:12px 18px;font:inherit;font-weight:600;cursor:pointer}
a{color:#1d4ed8}.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}`;

export function htmlPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** Text a marketer wrote, as paragraphs (a blank line) and line breaks, escaped. */
export function paragraphs(text: string, className?: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p${className ? ` class="${className}"` : ""}>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("");
}

export function fieldName(f: FormField): string {
  return f.kind === "email" ? "email" : f.kind === "name" ? "name" : `fields.${f.name}`;
}

function inputHtml(f: FormField, idPrefix: string, value: string, error: string | undefined): string {
  const name = fieldName(f);
  const id = `${idPrefix}${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  const type = f.kind === "email" ? "email" : "text";
  const autocomplete = f.kind === "email" ? "email" : f.kind === "name" ? "name" : "off";
  const described = error ? ` aria-invalid="true" aria-describedby="${id}-error"` : "";
  return `<div class="field"><label for="${id}">${escapeHtml(f.label)}${f.required ? ' <span class="req">(required)</span>' : ""}</label>`
    + `<input id="${id}" name="${escapeHtml(name)}" type="${type}" autocomplete="${autocomplete}" value="${escapeHtml(value)}"${f.required ? " required" : ""}${described}>`
    + (error ? `<p class="error" id="${id}-error">${escapeHtml(error)}</p>` : "")
    + `</div>`;
}

/** The honeypot (off screen, out of the tab order and of the accessibility tree) and the fill stamp. */
function hiddenFields(stamp: string): string {
  return `<div class="hp" aria-hidden="true"><label for="pl-${HONEYPOT_FIELD}">Leave this field empty</label><input id="pl-${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off" value=""></div>`
    + `<input type="hidden" name="${FILL_STAMP_FIELD}" value="${escapeHtml(stamp)}">`;
}

/** The hosted form, fresh or after a refusal (the values typed kept, each error beside its field). */
export function renderFormPage(input: { form: Form; action: string; stamp: string; values?: Record<string, string>; errors?: Record<string, string> }): string {
  const { form, values = {}, errors = {} } = input;
  const errorCount = Object.keys(errors).length;
  const summary = errorCount
    ? `<div class="summary" role="alert"><p><strong>${errorCount === 1 ? "One field needs" : `${errorCount} fields need`} your attention.</strong></p>${Object.values(errors).map((e) => `<p>${escapeHtml(e)}</p>`).join("")}</div>`
    : "";
  const body = `<h1>${escapeHtml(form.heading)}</h1>${paragraphs(form.intro, "intro")}${summary}`
    + `<form method="post" action="${escapeHtml(input.action)}" accept-charset="UTF-8">`
    + form.fields.map((f) => inputHtml(f, "f-", values[fieldName(f)] ?? "", errors[fieldName(f)])).join("")
    + hiddenFields(input.stamp)
    + paragraphs(form.consentText, "consent")
    + `<button type="submit">${escapeHtml(form.submitLabel)}</button></form>`;
  return htmlPage(form.heading, body);
}

/** A page with a heading and a message (thank you, confirmed, errors). */
export function renderMessagePage(title: string, message: string, extraHtml = ""): string {
  return htmlPage(title, `<h1>${escapeHtml(title)}</h1>${paragraphs(message)}${extraHtml}`);
}

/** The confirmation page: only its button (a POST) confirms, so a link scanner's GET never does. */
export function renderConfirmPage(input: { form: Form; email: string; action: string }): string {
  return htmlPage(
    "Confirm your subscription",
    `<h1>Confirm your subscription</h1><p>${escapeHtml(input.form.heading)}: press the button to confirm that <strong>${escapeHtml(input.email)}</strong> should receive these emails.</p>`
      + `<form method="post" action="${escapeHtml(input.action)}"><button type="submit">Confirm my subscription</button></form>`,
  );
}

/**
 * The snippet a marketer pastes into their own site: a plain form posting to Postline, with the
 * honeypot and a fill stamp signed now (so on a pasted form the stamp only proves it came from the
 * snippet; the honeypot and the rate limits do the rest). No script, no style beyond hiding the honeypot.
 */
export function embedSnippet(input: { form: Form; appUrl: string; stamp: string }): string {
  const { form } = input;
  const lines = [`<form method="post" action="${escapeHtml(`${input.appUrl}/f/${form.id}`)}" accept-charset="UTF-8">`];
  for (const f of form.fields) {
    const name = fieldName(f);
    const id = `postline-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
    lines.push(`  <label for="${id}">${escapeHtml(f.label)}</label>`);
    lines.push(`  <input id="${id}" type="${f.kind === "email" ? "email" : "text"}" name="${escapeHtml(name)}"${f.kind === "email" ? ' autocomplete="email"' : f.kind === "name" ? ' autocomplete="name"' : ""}${f.required ? " required" : ""}>`);
  }
  lines.push(`  <div style="position:absolute;left:-10000px" aria-hidden="true"><input type="text" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off" value=""></div>`);
  lines.push(`  <input type="hidden" name="${FILL_STAMP_FIELD}" value="${escapeHtml(input.stamp)}">`);
  if (form.consentText.trim()) lines.push(`  <p>${escapeHtml(form.consentText.trim())}</p>`);
  lines.push(`  <button type="submit">${escapeHtml(form.submitLabel)}</button>`);
  lines.push(`</form>`);
  return lines.join("\n");
}
