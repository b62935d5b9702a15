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

export const BUILT_IN_VARIABLES = ["name", "email", "unsubscribe_url"] as const;

function isKnownVariable(variable: string): boolean {
  return (BUILT_IN_VARIABLES as readonly string[]).includes(variable) || /^fields\.[A-Za-z_][A-Za-z0-9_]*$/.test(variable);
}

type Scanned =
  | { index: number; tag: string; kind: "malformed" }
  | { index: number; tag: string; kind: "unknown"; variable: string }
  | { index: number; tag: string; kind: "variable"; variable: string; fallback: string };

/**
 * The one reading of `{{ … }}` tags, shared by the server (compileTemplate refuses what it cannot
 * render) and the composer (findTemplateProblems warns while typing), so both always agree.
 */
function* scanTags(source: string): Generator<Scanned> {
  for (const match of source.matchAll(ANY_TAG)) {
    const tag = match[0];
    TAG.lastIndex = 0;
    const parsed = TAG.exec(tag);
    if (!parsed || parsed[0] !== tag) {
      yield { index: match.index!, tag, kind: "malformed" };
      continue;
    }
    const variable = parsed[1];
    if (!isKnownVariable(variable)) yield { index: match.index!, tag, kind: "unknown", variable };
    else yield { index: match.index!, tag, kind: "variable", variable, fallback: parsed[2] ?? parsed[3] ?? "" };
  }
}

const unknownMessage = (variable: string) => `Unknown personalization variable "${variable}": use name, email, unsubscribe_url or fields.<field>`;
const malformedMessage = (tag: string) => `Cannot read the tag ${tag}: use {{ name }}, {{ fields.x }} or {{ name | default: "fallback" }}`;

/** Parses a template, refusing unknown variables and malformed tags with a message naming them. */
export function compileTemplate(source: string): CompiledTemplate {
  const parts: Part[] = [];
  const variables = new Set<string>();
  let last = 0;
  for (const t of scanTags(source)) {
    if (t.kind === "malformed") throw new TemplateError(malformedMessage(t.tag));
    if (t.kind === "unknown") {
      throw new TemplateError(unknownMessage(t.variable), t.variable);
    }
    if (t.index > last) parts.push(source.slice(last, t.index));
    parts.push({ variable: t.variable, fallback: t.fallback });
    variables.add(t.variable);
    last = t.index + t.tag.length;
  }
  if (last < source.length) parts.push(source.slice(last));
  return { parts, variables: [...variables] };
}

export interface TemplateProblem {
  /**
   * `malformed` and `unknown` are refused when the campaign is saved or sent; `unknown_field` (no
   * contact has that field, and the tag has no default) renders empty; `unclosed` is sent as typed.
   */
  kind: "malformed" | "unknown" | "unknown_field" | "unclosed";
  tag: string;
  message: string;
  suggestion?: string;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

function closest(variable: string, candidates: string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  const bare = (v: string) => v.toLowerCase().replace(/^fields\./, "");
  for (const name of candidates) {
    // Typos are small: at most two edits, and at most half the name's letters.
    const d = editDistance(bare(variable), bare(name));
    if (d <= 2 && d <= bare(name).length / 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/**
 * Every problem with a template's tags, for warnings while typing. `knownFields` are the custom field
 * keys contacts have; without it, fields are not checked.
 */
export function findTemplateProblems(source: string, { knownFields }: { knownFields?: readonly string[] } = {}): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const candidates = [...BUILT_IN_VARIABLES, ...(knownFields ?? []).map((k) => `fields.${k}`)];
  for (const t of scanTags(source)) {
    if (t.kind === "malformed") {
      problems.push({ kind: "malformed", tag: t.tag, message: malformedMessage(t.tag) });
    } else if (t.kind === "unknown") {
      const suggestion = closest(t.variable, candidates);
      problems.push({
        kind: "unknown",
        tag: t.tag,
        suggestion,
        message: `${unknownMessage(t.variable)}${suggestion ? ` (did you mean {{ ${suggestion} }}?)` : ""}`,
      });
    } else if (knownFields && t.variable.startsWith("fields.") && !t.fallback && !knownFields.includes(t.variable.slice(7))) {
      const suggestion = closest(t.variable, candidates.filter((c) => c.startsWith("fields.")));
      problems.push({
        kind: "unknown_field",
        tag: t.tag,
        suggestion,
        message: `No contact has the field "${t.variable.slice(7)}": {{ ${t.variable} }} will be empty${suggestion ? ` (did you mean {{ ${suggestion} }}?)` : `; add a default: {{ ${t.variable} | default: "…" }}`}`,
      });
    }
  }
  // `{{` that never closes: the server sends it as typed, which is rarely what was meant.
  const withoutTags = source.replace(ANY_TAG, (m) => " ".repeat(m.length));
  for (const m of withoutTags.matchAll(/\{\{/g)) {
    const tag = withoutTags.slice(m.index, m.index + 24).split(/\n/)[0];
    problems.push({ kind: "unclosed", tag, message: `"${tag.trim()}" has no closing }}` });
  }
  return problems;
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
