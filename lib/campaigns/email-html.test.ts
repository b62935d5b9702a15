import { describe, expect, it } from "vitest";
import { compileTemplate, renderTemplate } from "./template";
import { CONTENT_END, CONTENT_START, editableHtml, richTextLosses, toEmailHtml, tokenizeHtml } from "./email-html";

/**
 * What major clients accept, as rules any email toEmailHtml writes must pass (caniemail.com):
 * Gmail (web and apps, non-AMP) removes class attributes and, in several of its apps, <style> blocks;
 * Outlook for Windows (Word engine) ignores padding, background and max-width on <a> and <div>, so a
 * button is a table cell with bgcolor and the layout width a `width` attribute; it falls back to Times
 * New Roman wherever no font is set; no client runs scripts or event handlers, and most drop <link>
 * stylesheets, flexbox, grid and positioning.
 */
const CLIENT_RULES: { client: string; rule: string; holds: (html: string) => boolean }[] = [
  { client: "Gmail", rule: "no class attributes", holds: (h) => !/\sclass\s*=/i.test(h) },
  { client: "Gmail", rule: "no <style> block", holds: (h) => !/<style/i.test(h) },
  { client: "all", rule: "no <script>", holds: (h) => !/<script/i.test(h) },
  { client: "all", rule: "no event handler attributes", holds: (h) => !/<[^>]+\son[a-z]+\s*=/i.test(h) },
  { client: "all", rule: "no javascript: or data: links", holds: (h) => !/href\s*=\s*["']?\s*(javascript|data|vbscript):/i.test(h) },
  { client: "all", rule: "no external stylesheet", holds: (h) => !/<link/i.test(h) && !/@import/i.test(h) },
  { client: "Outlook", rule: "no flexbox, grid or positioning", holds: (h) => !/display\s*:\s*(flex|grid)|position\s*:/i.test(h) },
  { client: "Outlook", rule: "no <div> layout", holds: (h) => !/<div/i.test(h) },
  { client: "Outlook", rule: "layout tables carry a width attribute", holds: (h) => /<table role="presentation" width="600"/.test(h) },
  {
    client: "Outlook",
    rule: "every paragraph, heading, list item and quote sets a font",
    holds: (h) => [...h.matchAll(/<(p|h[1-3]|li|blockquote)(\s[^>]*)?>/g)].every((m) => /font-family:/.test(m[2] ?? "")),
  },
  { client: "Gmail, Outlook", rule: "every link sets its own colour", holds: (h) => [...h.matchAll(/<a\s[^>]*>/g)].every((m) => /style="[^"]*color:/.test(m[0])) },
  {
    client: "Outlook",
    rule: "every button is a table cell with bgcolor around the link",
    holds: (h) => [...h.matchAll(/<table[^>]*data-email-button[^>]*>([\s\S]*?)<\/table>/g)].every((m) => /<td[^>]*bgcolor="#[0-9a-f]{6}"[^>]*><a\s/i.test(m[1])),
  },
  { client: "all", rule: "the body is balanced markup", holds: (h) => balanced(h) },
];

function balanced(html: string): boolean {
  const stack: string[] = [];
  for (const t of tokenizeHtml(html)) {
    if (t.type === "open" && !t.selfClosing) stack.push(t.name);
    if (t.type === "close" && stack.pop() !== t.name) return false;
  }
  return stack.length === 0;
}

const content = (html: string) => editableHtml(html);

const CASES: { name: string; editor: string; contains?: string[]; excludes?: string[] }[] = [
  {
    name: "paragraphs, bold, italic, underline, strike get inline styles",
    editor: "<p>Hello <strong>bold</strong> <em>it</em> <u>u</u> <s>gone</s></p>",
    contains: [
      '<p style="margin:0 0 16px 0;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:24px;color:#1f2937;">Hello ',
      '<strong style="font-weight:700;">bold</strong>',
      '<em style="font-style:italic;">it</em>',
      '<u style="text-decoration:underline;">u</u>',
      '<s style="text-decoration:line-through;">gone</s>',
    ],
  },
  {
    name: "<b>, <i>, <strike> become their semantic forms",
    editor: "<p><b>B</b><i>I</i><strike>S</strike></p>",
    contains: ['<strong style="font-weight:700;">B</strong>', '<em style="font-style:italic;">I</em>', '<s style="text-decoration:line-through;">S</s>'],
  },
  {
    name: "headings keep their level with sizes inline; h4-h6 become h3",
    editor: "<h1>Big</h1><h2>Mid</h2><h3>Small</h3><h5>Tiny</h5>",
    contains: ["font-size:28px", "font-size:22px", "<h3 style=", ">Tiny</h3>"],
    excludes: ["<h5"],
  },
  {
    name: "links keep http(s), mailto and tel targets, open in a new tab, and carry a colour",
    editor: '<p><a href="https://e.test/a?x=1&amp;y=2" rel="noopener noreferrer nofollow" class="link">web</a> <a href="mailto:a@e.test">mail</a> <a href="tel:+4912">tel</a></p>',
    contains: ['<a href="https://e.test/a?x=1&amp;y=2" target="_blank" style="color:#2563eb;text-decoration:underline;">web</a>', 'href="mailto:a@e.test"', 'href="tel:+4912"'],
    excludes: ["rel=", "class="],
  },
  {
    name: "javascript: and data: links keep their text only",
    editor: '<p><a href="javascript:alert(1)">click</a> and <a href="data:text/html,x">data</a><a>none</a></p>',
    contains: [">click and data" + "none</p>"],
    excludes: ["<a "],
  },
  {
    name: "scripts, styles, iframes, forms and event handlers are removed with their content",
    editor: '<p onclick="x()">Hi</p><script>alert(1)</script><style>p{color:red}</style><iframe src="https://x"></iframe><form><input name="a"></form><link rel="stylesheet" href="https://x/a.css">',
    contains: [">Hi</p>"],
    excludes: ["alert", "color:red", "iframe", "onclick", "<input", "a.css"],
  },
  {
    name: "lists get padding and fonts; a paragraph inside an item has no extra margin",
    editor: "<ul><li><p>One</p></li><li><p>Two</p></li></ul><ol start=\"3\"><li><p>Three</p></li></ol>",
    contains: ['<ul style="margin:0 0 16px 0;padding:0 0 0 24px;', '<li style="margin:0 0 8px 0;', '<p style="margin:0;font-family', '<ol start="3" style='],
  },
  {
    name: "a button block becomes a table cell with bgcolor around a padded link",
    editor: '<p>Before</p><div data-email-button=""><a href="https://e.test/buy">Buy now</a></div>',
    contains: ['data-email-button=""', '<td align="center" bgcolor="#2563eb" style="border-radius:6px;background-color:#2563eb;"><a href="https://e.test/buy" target="_blank" style="display:inline-block;padding:12px 24px;', ">Buy now</a></td>"],
  },
  {
    name: "an already serialized button serializes to itself",
    editor: editableHtml(toEmailHtml('<div data-email-button=""><a href="https://e.test/b">Go</a></div>')),
    contains: ['bgcolor="#2563eb"', ">Go</a>"],
  },
  {
    name: "a button with an unsafe target is a paragraph",
    editor: '<div data-email-button=""><a href="javascript:x">Go</a></div>',
    contains: [">Go</p>"],
    excludes: ["javascript", "<table role=\"presentation\" border"],
  },
  {
    name: "unknown wrappers give way to their content; classes and styles are replaced",
    editor: '<div class="x"><p class="lead" style="color:red;font-size:40px">Kept <span style="color:blue">text</span></p></div>',
    contains: [">Kept text</p>"],
    excludes: ["color:red", "color:blue", "40px"],
  },
  {
    name: "blockquote, rule, inline code and code blocks",
    editor: "<blockquote><p>Quote</p></blockquote><hr><p><code>x</code></p><pre><code>a &lt; b</code></pre>",
    contains: ["border-left:4px solid #d1d5db", '<hr style="border:0;border-top:1px solid #e5e7eb;margin:24px 0;">', "<code style=\"font-family:Menlo,Consolas,monospace;font-size:14px;background", 'white-space:pre-wrap;"><code style="font-family:Menlo,Consolas,monospace;">a &lt; b</code></pre>'],
  },
  {
    name: "personalization tags survive in text, as written",
    editor: '<p>Hi {{ name | default: "there" }}, from {{ fields.city }} ({{email}})</p>',
    contains: ['Hi {{ name | default: "there" }}, from {{ fields.city }} ({{email}})'],
  },
  {
    name: "personalization tags survive in link targets, quotes unescaped",
    editor: '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a> <a href="https://e.test/?who={{ email }}">me</a> <a href="{{ fields.link | default: &quot;https://e.test&quot; }}">f</a></p>',
    contains: ['href="{{ unsubscribe_url }}"', 'href="https://e.test/?who={{ email }}"', "href='{{ fields.link | default: \"https://e.test\" }}'"],
  },
  {
    name: "entities inside a tag in text are read raw, so the fallback is escaped once",
    editor: "<p>{{ fields.co | default: &quot;A &amp; B&quot; }}</p>",
    contains: ['{{ fields.co | default: "A & B" }}'],
  },
  { name: "unclosed markup is closed", editor: "<p>Open <strong>bold", contains: [">Open <strong style=\"font-weight:700;\">bold</strong></p>"] },
  { name: "an empty editor gives an empty body in the frame", editor: "", contains: [`${CONTENT_START}\n\n${CONTENT_END}`] },
];

describe("toEmailHtml: the editor's HTML as email clients accept it", () => {
  it.each(CASES)("$name", ({ editor, contains = [], excludes = [] }) => {
    const html = toEmailHtml(editor);
    for (const c of contains) expect(html).toContain(c);
    for (const e of excludes) expect(content(html)).not.toContain(e);
    for (const r of CLIENT_RULES) expect(r.holds(html), `${r.client}: ${r.rule}\n${html}`).toBe(true);
  });

  it("centres the content in a 600 px table that narrows on phones, with the text style on the cell", () => {
    const html = toEmailHtml("<p>x</p>");
    expect(html).toMatch(/^<table role="presentation" width="100%"/);
    expect(html).toContain('<table role="presentation" width="600" border="0" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;');
  });

  it("is stable: serializing what the editor would load again gives the same email", () => {
    const once = toEmailHtml('<h1>T</h1><p>a <a href="{{ unsubscribe_url }}">u</a></p><ul><li><p>x</p></li></ul><div data-email-button=""><a href="https://e.test">Go</a></div>');
    expect(toEmailHtml(editableHtml(once))).toBe(once);
  });

  it("compiles and renders with personalization in text and links", () => {
    const html = toEmailHtml('<p>Hi {{ name | default: "there" }} <a href="{{ unsubscribe_url }}">leave</a> <a href="{{ fields.site | default: &quot;https://e.test&quot; }}">site</a></p>');
    const out = renderTemplate({ template: compileTemplate(html), recipient: { email: "a@e.test", name: "Ann & Bo", fields: {}, unsubscribeUrl: "https://p.test/u/t" }, mode: "html" });
    expect(out).toContain("Hi Ann &amp; Bo ");
    expect(out).toContain('href="https://p.test/u/t"');
    expect(out).toContain("href='https://e.test'");
  });
});

describe("richTextLosses: what switching HTML to the rich-text editor would drop", () => {
  const ROWS: { html: string; losses: string[] }[] = [
    { html: "<p>Hi <b>there</b></p><ul><li>x</li></ul>", losses: [] },
    { html: toEmailHtml('<h2>x</h2><p><a href="https://e.test">y</a></p><div data-email-button=""><a href="https://e.test">Go</a></div><ol><li><p>z</p></li></ol>'), losses: [] },
    { html: '<p style="color:red">x</p>', losses: ["inline styles"] },
    { html: '<p class="lead">x</p>', losses: ["classes"] },
    { html: '<table><tr><td>x</td></tr></table>', losses: ["table layout (<table>)", "<tr> elements", "<td> elements"] },
    { html: '<img src="https://e.test/a.png" alt="">', losses: ["images (<img>)"] },
    { html: "<html><head><style>p{}</style></head><body><p>x</p></body></html>", losses: ["<html> elements", "<head> elements", "a <style> block", "<body> elements"] },
    { html: '<p align="center">x</p>', losses: ["the align attribute"] },
  ];
  it.each(ROWS)("$html → $losses", ({ html, losses }) => {
    expect(richTextLosses(html)).toEqual(losses);
  });
});
