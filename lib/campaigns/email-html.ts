/**
 * The rich-text editor's HTML as email clients accept it. The editor (components/campaigns/
 * rich-text-editor.tsx) produces plain semantic HTML: <p>, <h1>-<h3>, <strong>, <a>, lists, a button
 * block. Mail clients are narrower than browsers, so `toEmailHtml` rewrites it:
 *
 * - every style inline, never a class or a <style> block (Gmail drops classes outside AMP and removes
 *   <style> in several of its apps; Outlook.com and Yahoo rewrite class names);
 * - layout in tables with `width`/`bgcolor` attributes, and a button as a table cell with `bgcolor`
 *   (Outlook's Word engine ignores padding and background on links, and max-width on anything);
 * - a font on every block (Outlook falls back to Times New Roman where nothing sets one);
 * - no script, no event handler, no external stylesheet, no `javascript:` link; only http(s), mailto,
 *   tel, #anchors and personalization tags as link targets.
 *
 * Personalization tags (`{{ name }}`, `{{ fields.x | default: "y" }}`, `{{ unsubscribe_url }}`) pass
 * through verbatim, in text and in href, so compileTemplate (template.ts) reads what the author typed.
 *
 * Pure string functions (no DOM): they run in the browser as the author types and in Node tests.
 */

export type HtmlToken =
  | { type: "text"; text: string }
  | { type: "comment"; text: string }
  | { type: "open"; name: string; attrs: [string, string][]; selfClosing: boolean }
  | { type: "close"; name: string };

const VOID = new Set(["br", "hr", "img", "meta", "link", "input", "col", "area", "base", "source", "wbr"]);
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
const TAG_OR_COMMENT = /<!--([\s\S]*?)-->|<(\/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>/g;

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
export function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED[e.toLowerCase()] ?? m;
  });
}

/** Tokens of an HTML fragment; attribute values decoded, text kept as written. */
export function tokenizeHtml(html: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  let last = 0;
  let rawUntil: string | null = null;
  for (const m of html.matchAll(TAG_OR_COMMENT)) {
    const index = m.index!;
    const name = m[3]?.toLowerCase();
    // Inside <script> or <style> everything up to its closing tag is raw text.
    if (rawUntil && !(m[2] === "/" && name === rawUntil)) continue;
    if (index > last) tokens.push({ type: "text", text: html.slice(last, index) });
    last = index + m[0].length;
    if (m[1] !== undefined) {
      tokens.push({ type: "comment", text: m[1] });
    } else if (m[2] === "/") {
      tokens.push({ type: "close", name: name! });
      rawUntil = null;
    } else {
      const attrs: [string, string][] = [];
      for (const a of (m[4] ?? "").matchAll(ATTR)) attrs.push([a[1].toLowerCase(), decodeEntities(a[2] ?? a[3] ?? a[4] ?? "")]);
      tokens.push({ type: "open", name: name!, attrs, selfClosing: m[5] === "/" || VOID.has(name!) });
      if (name === "script" || name === "style") rawUntil = name;
    }
  }
  if (last < html.length) tokens.push({ type: "text", text: html.slice(last) });
  return tokens;
}

const FONT = "font-family:Arial,Helvetica,sans-serif;";
const TEXT = `${FONT}font-size:16px;line-height:24px;color:#1f2937;`;
export const BUTTON_COLOR = "#2563eb";
const LINK_COLOR = "#2563eb";

/** The inline style each element gets; `richTextLosses` accepts exactly these back. */
export const EMAIL_STYLES: Record<string, string> = {
  p: `margin:0 0 16px 0;${TEXT}`,
  h1: `margin:0 0 16px 0;${FONT}font-size:28px;line-height:34px;font-weight:700;color:#111827;`,
  h2: `margin:0 0 12px 0;${FONT}font-size:22px;line-height:28px;font-weight:700;color:#111827;`,
  h3: `margin:0 0 8px 0;${FONT}font-size:18px;line-height:24px;font-weight:700;color:#111827;`,
  strong: "font-weight:700;",
  em: "font-style:italic;",
  u: "text-decoration:underline;",
  s: "text-decoration:line-through;",
  a: `color:${LINK_COLOR};text-decoration:underline;`,
  ul: `margin:0 0 16px 0;padding:0 0 0 24px;${TEXT}`,
  ol: `margin:0 0 16px 0;padding:0 0 0 24px;${TEXT}`,
  li: `margin:0 0 8px 0;${TEXT}`,
  "li p": `margin:0;${TEXT}`,
  blockquote: `margin:0 0 16px 0;padding:0 0 0 16px;border-left:4px solid #d1d5db;color:#4b5563;${FONT}`,
  hr: "border:0;border-top:1px solid #e5e7eb;margin:24px 0;",
  code: "font-family:Menlo,Consolas,monospace;font-size:14px;background-color:#f3f4f6;padding:2px 4px;",
  pre: "margin:0 0 16px 0;padding:12px;background-color:#f3f4f6;font-family:Menlo,Consolas,monospace;font-size:14px;line-height:20px;white-space:pre-wrap;",
  "pre code": "font-family:Menlo,Consolas,monospace;",
};

const RENAME: Record<string, string> = { b: "strong", i: "em", strike: "s", del: "s", h4: "h3", h5: "h3", h6: "h3" };
const KEEP = new Set(["p", "h1", "h2", "h3", "strong", "em", "u", "s", "a", "ul", "ol", "li", "blockquote", "br", "hr", "code", "pre"]);
/** Dropped with everything inside them. */
const DROP_WITH_CONTENT = new Set(["script", "style", "head", "title", "iframe", "object", "embed", "template", "noscript", "svg", "math", "form", "select", "textarea", "button"]);

export const CONTENT_START = "<!--postline:content-->";
export const CONTENT_END = "<!--/postline:content-->";

/** A personalization tag as a whole link target (`{{ unsubscribe_url }}`) or a link starting with one. */
const TEMPLATE_HREF = /^\{\{[^{}]*\}\}/;

/** Link targets mail may carry: web, mail, phone, in-page, and personalization tags. */
export function isSafeHref(href: string): boolean {
  const h = href.trim();
  return /^(https?:|mailto:|tel:|#)/i.test(h) || TEMPLATE_HREF.test(h);
}

function attr(name: string, value: string): string {
  // A tag such as {{ name | default: "x" }} must reach compileTemplate unchanged, so its quotes are not
  // escaped: the attribute is single-quoted instead (rendering replaces the whole tag with an escaped value).
  if (value.includes('"') && !value.includes("'")) return ` ${name}='${value.replace(/&/g, "&amp;").replace(/</g, "&lt;")}'`;
  return ` ${name}="${value.replace(/&(?!#?[a-z0-9]+;)/gi, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")}"`;
}

/** Text as written, with stray `<` escaped and entities inside `{{ }}` decoded (the tag is read raw). */
function text(value: string): string {
  return value.replace(/</g, "&lt;").replace(/\{\{[^{}]*\}\}/g, (tag) => decodeEntities(tag));
}

function escapeText(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function buttonHtml(href: string, label: string): string {
  return (
    `<table role="presentation" border="0" cellpadding="0" cellspacing="0" data-email-button="" style="margin:0 0 16px 0;border-collapse:separate;">` +
    `<tr><td align="center" bgcolor="${BUTTON_COLOR}" style="border-radius:6px;background-color:${BUTTON_COLOR};">` +
    `<a${attr("href", href)} target="_blank" style="display:inline-block;padding:12px 24px;${FONT}font-size:16px;line-height:20px;font-weight:700;color:#ffffff;text-decoration:none;border-radius:6px;">${escapeText(label)}</a>` +
    `</td></tr></table>`
  );
}

/** On the stack for an <a> whose target was refused: its text stays, the tag does not. */
const UNWRAPPED = "(unwrapped link)";

const get = (attrs: [string, string][], name: string) => attrs.find(([k]) => k === name)?.[1];

/**
 * The editor's HTML as email-safe HTML: the content inside a centred 600 px table, every element
 * styled inline, anything an email must not carry removed (see the file's comment).
 */
export function toEmailHtml(editorHtml: string): string {
  const tokens = tokenizeHtml(editorHtml);
  const stack: string[] = [];
  let out = "";
  let dropDepth = 0;
  let dropName = "";
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (dropDepth) {
      if (t.type === "open" && t.name === dropName && !t.selfClosing) dropDepth++;
      if (t.type === "close" && t.name === dropName) dropDepth--;
      continue;
    }
    if (t.type === "comment") continue;
    if (t.type === "text") {
      out += text(t.text);
      continue;
    }
    if (t.type === "open" && DROP_WITH_CONTENT.has(t.name)) {
      if (!t.selfClosing) {
        dropDepth = 1;
        dropName = t.name;
      }
      continue;
    }
    // The editor's button block: <div data-email-button><a href>Label</a></div>, or one already serialized.
    if (t.type === "open" && (t.name === "div" || t.name === "table") && get(t.attrs, "data-email-button") !== undefined) {
      let depth = 1;
      let href = "";
      let label = "";
      let j = i + 1;
      for (; j < tokens.length && depth > 0; j++) {
        const u = tokens[j];
        if (u.type === "open" && u.name === t.name && !u.selfClosing) depth++;
        else if (u.type === "close" && u.name === t.name) depth--;
        else if (u.type === "open" && u.name === "a") href = get(u.attrs, "href") ?? "";
        else if (u.type === "text") label += decodeEntities(u.text);
      }
      i = j - 1;
      label = label.trim();
      if (label && isSafeHref(href)) out += buttonHtml(href.trim(), label);
      else if (label) out += `<p style="${EMAIL_STYLES.p}">${escapeText(label)}</p>`;
      continue;
    }
    const name = RENAME[t.name] ?? t.name;
    if (!KEEP.has(name)) continue; // unknown wrappers (span, div, font…) give way to their content
    if (t.type === "close") {
      const at = name === "a" ? Math.max(stack.lastIndexOf("a"), stack.lastIndexOf(UNWRAPPED)) : stack.lastIndexOf(name);
      if (at === -1) continue;
      while (stack.length > at) {
        const open = stack.pop()!;
        if (open !== UNWRAPPED) out += `</${open}>`;
      }
      continue;
    }
    const parent = stack[stack.length - 1];
    const style = (parent === "li" && name === "p") || (parent === "pre" && name === "code") ? EMAIL_STYLES[`${parent} ${name}`] : EMAIL_STYLES[name];
    let attrs = "";
    if (name === "a") {
      const href = get(t.attrs, "href");
      if (!href || !isSafeHref(href)) {
        // A link without a safe target keeps its text only.
        stack.push(UNWRAPPED);
        continue;
      }
      attrs = `${attr("href", href.trim())} target="_blank"`;
    }
    if (name === "ol") {
      const start = get(t.attrs, "start");
      if (start && /^\d{1,6}$/.test(start) && start !== "1") attrs = ` start="${start}"`;
    }
    out += `<${name}${attrs}${style ? ` style="${style}"` : ""}>`;
    if (!t.selfClosing && name !== "br" && name !== "hr") stack.push(name);
  }
  while (stack.length) {
    const open = stack.pop()!;
    if (open !== UNWRAPPED) out += `</${open}>`;
  }
  return wrapEmail(out.trim());
}

function wrapEmail(content: string): string {
  return (
    `<table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0" style="border-collapse:collapse;">` +
    `<tr><td align="center" style="padding:24px 12px;">` +
    `<table role="presentation" width="600" border="0" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;border-collapse:collapse;">` +
    `<tr><td align="left" style="${TEXT}">${CONTENT_START}\n${content}\n${CONTENT_END}</td></tr></table></td></tr></table>`
  );
}

/** What the editor should load: the content of an email toEmailHtml wrote, or the HTML as it is. */
export function editableHtml(html: string): string {
  const start = html.indexOf(CONTENT_START);
  const end = html.indexOf(CONTENT_END);
  if (start === -1 || end < start) return html;
  return html.slice(start + CONTENT_START.length, end).trim();
}

const EDITOR_TAGS = new Set([...KEEP, ...Object.keys(RENAME)]);
const BUTTON_PARTS = new Set(["table", "tbody", "tr", "td", "a"]);

/**
 * What the rich-text editor cannot keep of this HTML (elements it has no block for, styles or classes
 * it would drop), in words an author can act on; empty when switching to the editor loses nothing.
 * Styles toEmailHtml itself wrote are not losses: the editor writes them again.
 */
export function richTextLosses(html: string): string[] {
  const losses = new Set<string>();
  const stack: string[] = [];
  let inButton = 0;
  for (const t of tokenizeHtml(editableHtml(html))) {
    if (t.type === "close") {
      if (inButton && t.name === "table") inButton--;
      const at = stack.lastIndexOf(t.name);
      if (at !== -1) stack.length = at;
      continue;
    }
    if (t.type !== "open") continue;
    if (t.name === "table" && get(t.attrs, "data-email-button") !== undefined) {
      inButton++;
      continue;
    }
    if (!t.selfClosing) stack.push(t.name);
    if (inButton && BUTTON_PARTS.has(t.name)) continue;
    if (t.name === "div" && get(t.attrs, "data-email-button") !== undefined) continue;
    if (!EDITOR_TAGS.has(t.name)) {
      losses.add(t.name === "img" ? "images (<img>)" : t.name === "table" ? "table layout (<table>)" : t.name === "style" ? "a <style> block" : `<${t.name}> elements`);
      continue;
    }
    const name = RENAME[t.name] ?? t.name;
    const style = get(t.attrs, "style");
    const parent = stack[stack.length - 2];
    const expected = (parent === "li" && name === "p") || (parent === "pre" && name === "code") ? EMAIL_STYLES[`${parent} ${name}`] : EMAIL_STYLES[name];
    if (style && style.trim() !== expected) losses.add("inline styles");
    if (get(t.attrs, "class")) losses.add("classes");
    for (const [k] of t.attrs) if (["align", "bgcolor", "color", "width", "height", "face", "size"].includes(k)) losses.add(`the ${k} attribute`);
  }
  return [...losses];
}
