import { describe, expect, it } from "vitest";
import { compileTemplate, findTemplateProblems, htmlToText, renderTemplate, TemplateError } from "./template";

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

describe("findTemplateProblems: warnings while typing, from the parser the server uses", () => {
  const known = ["city", "company"];
  const ROWS: { source: string; problems: { kind: string; message: RegExp; suggestion?: string }[] }[] = [
    { source: 'Hi {{ name }} {{ email }} {{ unsubscribe_url }} {{ fields.city }} {{ fields.zip | default: "—" }}', problems: [] },
    { source: "Hi {{ nmae }}", problems: [{ kind: "unknown", message: /Unknown personalization variable "nmae": use name, email, unsubscribe_url or fields.<field> \(did you mean \{\{ name \}\}\?\)/, suggestion: "name" }] },
    { source: "Hi {{ emial }}", problems: [{ kind: "unknown", message: /did you mean \{\{ email \}\}/, suggestion: "email" }] },
    { source: "Hi {{ first_name }}", problems: [{ kind: "unknown", message: /^Unknown personalization variable "first_name": use name, email, unsubscribe_url or fields.<field>$/ }] },
    { source: "Hi {{ fields.cty }}", problems: [{ kind: "unknown_field", message: /No contact has the field "cty".*did you mean \{\{ fields.city \}\}/, suggestion: "fields.city" }] },
    { source: "Hi {{ fields.zip }}", problems: [{ kind: "unknown_field", message: /No contact has the field "zip".*add a default/ }] },
    { source: "Hi {{ name | upcase }}", problems: [{ kind: "malformed", message: /Cannot read the tag \{\{ name \| upcase \}\}/ }] },
    { source: "Hi {{ fields. }}", problems: [{ kind: "malformed", message: /Cannot read the tag/ }] },
    { source: "Hi {{ name", problems: [{ kind: "unclosed", message: /"\{\{ name" has no closing \}\}/ }] },
    { source: "<p>{{ name }}</p><p>{{ nmae }} and {{ nmae }}</p>", problems: [{ kind: "unknown", message: /nmae/ }, { kind: "unknown", message: /nmae/ }] },
  ];

  it.each(ROWS)("$source", ({ source, problems }) => {
    const found = findTemplateProblems(source, { knownFields: known });
    expect(found.map((p) => p.kind)).toEqual(problems.map((p) => p.kind));
    problems.forEach((p, i) => {
      expect(found[i].message).toMatch(p.message);
      if (p.suggestion) expect(found[i].suggestion).toBe(p.suggestion);
    });
  });

  it("agrees with the server: a template with no malformed or unknown tag compiles, one with them is refused", () => {
    for (const { source } of ROWS) {
      const refused = findTemplateProblems(source).some((p) => p.kind === "malformed" || p.kind === "unknown");
      let threw = false;
      try {
        compileTemplate(source);
      } catch (error) {
        threw = error instanceof TemplateError;
      }
      expect(threw, source).toBe(refused);
    }
  });

  it("without known fields, custom fields are not checked", () => {
    expect(findTemplateProblems("{{ fields.anything }}")).toEqual([]);
  });
});
