import { describe, expect, it } from "vitest";
import { compileTemplate, htmlToText, renderTemplate, TemplateError } from "./template";

const ann = { email: "ann@example.com", name: "Ann <script>", fields: { city: "Zürich & Bern" }, unsubscribeUrl: "https://x.test/u/abc" };

describe("personalization", () => {
  it("fills name, email, fields and the unsubscribe URL", () => {
    const t = compileTemplate("Hi {{name}} ({{ email }}) from {{ fields.city }} — {{unsubscribe_url}}");
    expect(renderTemplate({ template: t, recipient: ann, mode: "text" })).toBe("Hi Ann <script> (ann@example.com) from Zürich & Bern — https://x.test/u/abc");
  });

  it("escapes values in HTML, never the template's own markup", () => {
    const t = compileTemplate("<p>Hi <b>{{ name }}</b> in {{fields.city}}</p>");
    expect(renderTemplate({ template: t, recipient: ann, mode: "html" })).toBe("<p>Hi <b>Ann &lt;script&gt;</b> in Zürich &amp; Bern</p>");
  });

  it("uses fallbacks for empty or missing values", () => {
    const t = compileTemplate(`Hi {{ name | default: "there" }}, {{ fields.company | default: 'friend' }}`);
    expect(renderTemplate({ template: t, recipient: { ...ann, name: "", fields: {} }, mode: "text" })).toBe("Hi there, friend");
    expect(renderTemplate({ template: t, recipient: ann, mode: "text" })).toBe("Hi Ann <script>, friend");
  });

  it("refuses unknown variables and malformed tags with a message naming them", () => {
    expect(() => compileTemplate("Hi {{ first_name }}")).toThrowError(TemplateError);
    expect(() => compileTemplate("Hi {{ first_name }}")).toThrow(/Unknown personalization variable "first_name"/);
    expect(() => compileTemplate("Hi {{ name | upcase }}")).toThrow(/Cannot read the tag/);
    expect(() => compileTemplate("Hi {{ fields. }}")).toThrow(/Cannot read the tag/);
  });

  it("lists the variables a template uses", () => {
    expect(compileTemplate("{{name}} {{name}} {{fields.a}}").variables).toEqual(["name", "fields.a"]);
  });
});

describe("htmlToText", () => {
  it("keeps paragraphs, line breaks, list items and link targets", () => {
    const text = htmlToText(`<html><head><style>p{}</style></head><body><h1>News</h1><p>Hello&nbsp;there<br>world</p><ul><li>One</li><li>Two</li></ul><p><a href="https://e.test/x">Read more</a> &amp; enjoy</p></body></html>`);
    expect(text).toBe("News\n\nHello there\nworld\n\n- One\n- Two\n\nRead more (https://e.test/x) & enjoy");
  });
});
