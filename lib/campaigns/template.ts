/**
 * Personalization: `{{ name }}`, `{{ email }}`, `{{ fields.city }}`, `{{ unsubscribe_url }}`, each with
 * an optional fallback: `{{ name | default: "there" }}`. Values are HTML-escaped in the HTML part.
 * Templates are compiled once per campaign and rendered per recipient without re-parsing.
 */

const TAG = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*(?:\|\s*default\s*:\s*(?:"([^"]*)"|'([^']*)'))?\s*\}\}/g;
const ANY_TAG = /\{\{[^}]*\}\}/g;

export interface Recipient {
  email: string;
  name: string;
  fields: Record<string, string>;
  unsubscribeUrl: string;
}

type Part = string | { variable: string; fallback: string };

export interface CompiledTemplate {
  parts: Part[];
  variables: string[];
}

export class TemplateError extends Error {
  constructor(message: string, readonly variable?: string) {
    super(message);
    this.name = "TemplateError";
  }
}

function isKnownVariable(variable: string): boolean {
  return variable === "name" || variable === "email" || variable === "unsubscribe_url" || /^fields\.[A-Za-z_][A-Za-z0-9_]*$/.test(variable);
}

/** Parses a template, refusing unknown variables and malformed tags with a message naming them. */
export function compileTemplate(source: string): CompiledTemplate {
  const parts: Part[] = [];
  const variables = new Set<string>();
  let last = 0;
  for (const match of source.matchAll(ANY_TAG)) {
    const tag = match[0];
    TAG.lastIndex = 0;
    const parsed = TAG.exec(tag);
    if (!parsed || parsed[0] !== tag) {
      throw new TemplateError(`Cannot read the tag ${tag}: use {{ name }}, {{ fields.x }} or {{ name | default: "fallback" }}`);
    }
    const variable = parsed[1];
    if (!isKnownVariable(variable)) {
      throw new TemplateError(`Unknown personalization variable "${variable}": use name, email, unsubscribe_url or fields.<field>`, variable);
    }
    if (match.index! > last) parts.push(source.slice(last, match.index));
    parts.push({ variable, fallback: parsed[2] ?? parsed[3] ?? "" });
    variables.add(variable);
    last = match.index! + tag.length;
  }
  if (last < source.length) parts.push(source.slice(last));
  return { parts, variables: [...variables] };
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function valueOf(variable: string, r: Recipient): string {
  if (variable === "name") return r.name;
  if (variable === "email") return r.email;
  if (variable === "unsubscribe_url") return r.unsubscribeUrl;
  return r.fields[variable.slice("fields.".length)] ?? "";
}

export function renderTemplate({ template, recipient, mode }: { template: CompiledTemplate; recipient: Recipient; mode: "html" | "text" }): string {
  let out = "";
  for (const part of template.parts) {
    if (typeof part === "string") {
      out += part;
      continue;
    }
    const value = valueOf(part.variable, recipient) || part.fallback;
    out += mode === "html" ? escapeHtml(value) : value;
  }
  return out;
}

/** Plain text from HTML for the text part when the author gave none: readable, links kept. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, "")
    .replace(/<a\s[^>]*href\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a>/gi, (_m, _q, d, s, text) => {
      const href = d ?? s ?? "";
      const label = text.replace(/<[^>]+>/g, "").trim();
      return label && label !== href ? `${label} (${href})` : href;
    })
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<li[^>]*>/gi, "\n- ")
    .replace(/<\/(p|div|h[1-6]|tr|ul|ol|table|blockquote)>/gi, "\n\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
