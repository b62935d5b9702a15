import { describe, expect, it } from "vitest";
import type { Campaign } from "@/lib/campaigns/campaigns";
import { honeypotLink } from "@/lib/engagement/honeypot";
import { buildCampaignEmail, compileCampaign } from "./send-batch";
import { unsubscribeKey } from "./unsubscribe-token";

const deps = { appUrl: "https://postline.example", unsubscribeKey: unsubscribeKey("k".repeat(32)), broadcastStream: "broadcast" };
const CAMPAIGN_ID = "3f0b2c1e-8a4d-4c55-9a43-2f5b7c3e9d10";
const LINK = honeypotLink(deps.appUrl, CAMPAIGN_ID);
const message = { id: "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10", contactId: null, toEmail: "ada@example.com", name: "Ada", fields: {} };

function build(over: Partial<Campaign>) {
  const campaign = { id: CAMPAIGN_ID, fromEmail: "news@postline.test", subject: "Hi", html: "<p>Hello {{ name }}</p>", text: null, honeypot: true, ...over } as Campaign;
  return buildCampaignEmail({ compiled: compileCampaign(campaign), batchId: "b1", message }, deps);
}

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe("buildCampaignEmail: the honeypot link (issue 15.2)", () => {
  it("is in the HTML exactly once, hidden from sight, keyboard and screen readers, and last, after the unsubscribe footer", () => {
    const email = build({});
    expect(count(email.HtmlBody, LINK)).toBe(1);
    const anchor = email.HtmlBody.match(/<a [^>]*href="https:\/\/postline\.example\/h\/[^"]+"[^>]*>/)![0];
    expect(anchor).toContain(`href="${LINK}"`);
    expect(anchor).toContain('tabindex="-1"');
    expect(anchor).toContain('aria-hidden="true"');
    expect(anchor).toContain("display:none");
    // Its wrapper hides it too, for clients that drop the anchor's own style.
    expect(email.HtmlBody).toMatch(/<div aria-hidden="true" style="display:none[^"]*"><a [^>]*href="https:\/\/postline\.example\/h\//);
    expect(email.HtmlBody.indexOf("Unsubscribe</a>")).toBeLessThan(email.HtmlBody.indexOf(LINK));
    expect(email.HtmlBody.endsWith("</a></div>")).toBe(true);
  });

  it("goes before </body> when the HTML has one, after everything else in the body", () => {
    const email = build({ html: "<html><body><p>Hi {{ name }}</p><p>Bye</p></body></html>" });
    expect(count(email.HtmlBody, LINK)).toBe(1);
    expect(email.HtmlBody).toMatch(/Unsubscribe<\/a>\.<\/p><div aria-hidden="true"[^>]*><a [^>]*>[^<]*<\/a><\/div><\/body><\/html>$/);
  });

  it("is never in the plain-text part, derived or written", () => {
    expect(build({}).TextBody).not.toContain("/h/");
    expect(build({ text: "Hello {{ name }}" }).TextBody).not.toContain("/h/");
    expect(build({}).TextBody).toContain("Hello Ada");
  });

  it("is absent when the campaign has it off, and nothing else changes", () => {
    const on = build({});
    const off = build({ honeypot: false });
    expect(off.HtmlBody).not.toContain("/h/");
    expect(off.HtmlBody).not.toContain("aria-hidden");
    expect(on.HtmlBody.startsWith(off.HtmlBody)).toBe(true);
    expect(off.TextBody).toBe(on.TextBody);
  });
});
