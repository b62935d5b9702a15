/**
 * Building and sending one claimed batch of broadcast mail (a campaign's, or sequence mail): templates
 * compiled once, one personalized Postmark message per recipient (unsubscribe link and headers, our
 * ids in Metadata), one `sendEmailBatch` call, and its answer recorded.
 */
import { Models, type ServerClient } from "postmark";
import type { Db } from "@/db";
import type { Campaign } from "@/lib/campaigns/campaigns";
import { compileTemplate, htmlToText, renderTemplate, type CompiledTemplate } from "@/lib/campaigns/template";
import { honeypotHtml, honeypotLink } from "@/lib/engagement/honeypot";
import { handleCallFailure } from "./call-failure";
import type { ClaimedBatch, ClaimedMessage } from "./claim-batch";
import { METADATA_BATCH_ID, METADATA_MESSAGE_ID, unsubscribeUrl, type SendingDeps } from "./deps";
import { recordBatchResults, type EntryResult } from "./record-results";

export interface CompiledCampaign {
  campaign: Campaign;
  subject: CompiledTemplate;
  html: CompiledTemplate;
  text: CompiledTemplate;
}

export function compileCampaign(campaign: Campaign): CompiledCampaign {
  return {
    campaign,
    subject: compileTemplate(campaign.subject),
    html: compileTemplate(campaign.html),
    text: compileTemplate(campaign.text?.trim() ? campaign.text : htmlToText(campaign.html)),
  };
}

/** `fragment` at the end of the HTML body: before the last `</body>` when there is one, else at the end. */
function appendToBody(html: string, fragment: string): string {
  const end = html.search(/<\/body>(?![\s\S]*<\/body>)/i);
  return end < 0 ? html + fragment : html.slice(0, end) + fragment + html.slice(end);
}

/**
 * The campaign's honeypot link (issue 15.2) as the very last thing of the HTML body, when the campaign
 * has it on. HTML only: the plain-text part is never derived from this (compileCampaign derives it from
 * the campaign's own HTML), so a reader of the text part never meets it.
 */
export function withHoneypot(html: string, { campaign, appUrl }: { campaign: Pick<Campaign, "id" | "honeypot">; appUrl: string }): string {
  return campaign.honeypot ? appendToBody(html, honeypotHtml(honeypotLink(appUrl, campaign.id))) : html;
}

/**
 * What every broadcast message is made of (a campaign's, a sequence email's): sender, Postmark tag, the
 * compiled parts, and what the HTML gets last (a campaign's honeypot link).
 */
export interface BroadcastMail {
  fromEmail: string;
  tag: string;
  subject: CompiledTemplate;
  html: CompiledTemplate;
  text: CompiledTemplate;
  finishHtml?: (html: string) => string;
}

/** The Postmark message for one recipient: personalized parts, unsubscribe headers and our ids. */
export function buildBroadcastEmail(
  { mail, batchId, message: m }: { mail: BroadcastMail; batchId: string; message: ClaimedMessage },
  deps: Pick<SendingDeps, "appUrl" | "unsubscribeKey" | "broadcastStream">,
) {
  const url = unsubscribeUrl(deps, m.id);
  const recipient = { email: m.toEmail, name: m.name, fields: m.fields, unsubscribeUrl: url };
  let html = renderTemplate({ template: mail.html, recipient, mode: "html" });
  let text = renderTemplate({ template: mail.text, recipient, mode: "text" });
  // A visible link in every campaign mail, unless the author placed {{ unsubscribe_url }} themselves.
  if (!mail.html.variables.includes("unsubscribe_url")) {
    html = appendToBody(html, `<p style="font-size:12px;color:#64748b">Don't want these emails? <a href="${url}">Unsubscribe</a>.</p>`);
  }
  if (mail.finishHtml) html = mail.finishHtml(html);
  if (!mail.text.variables.includes("unsubscribe_url")) text += `\n\nUnsubscribe: ${url}`;
  return {
    From: mail.fromEmail,
    To: m.toEmail,
    Subject: renderTemplate({ template: mail.subject, recipient, mode: "text" }),
    HtmlBody: html,
    TextBody: text,
    Tag: mail.tag.slice(0, 1000),
    MessageStream: deps.broadcastStream,
    TrackOpens: true,
    TrackLinks: Models.LinkTrackingOptions.HtmlAndText,
    Headers: [
      { Name: "List-Unsubscribe", Value: `<${url}>` },
      { Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" },
    ],
    Metadata: { [METADATA_MESSAGE_ID]: m.id, [METADATA_BATCH_ID]: batchId },
  };
}

/** A campaign's message for one recipient (buildBroadcastEmail with the campaign's honeypot). */
export function buildCampaignEmail(
  { compiled, batchId, message }: { compiled: CompiledCampaign; batchId: string; message: ClaimedMessage },
  deps: Pick<SendingDeps, "appUrl" | "unsubscribeKey" | "broadcastStream">,
) {
  const mail: BroadcastMail = {
    fromEmail: compiled.campaign.fromEmail,
    tag: `campaign-${compiled.campaign.id}`,
    subject: compiled.subject,
    html: compiled.html,
    text: compiled.text,
    finishHtml: (html) => withHoneypot(html, { campaign: compiled.campaign, appUrl: deps.appUrl }),
  };
  return buildBroadcastEmail({ mail, batchId, message }, deps);
}

/** Sends one claimed campaign batch through `sendEmailBatch` and records what Postmark answered. */
export async function sendCampaignBatch(db: Db, { batch, compiled }: { batch: ClaimedBatch; compiled: CompiledCampaign }, deps: SendingDeps) {
  return sendBroadcastBatch(db, { batch, build: (message) => buildCampaignEmail({ compiled, batchId: batch.batchId, message }, deps) }, deps);
}

/**
 * Sends one claimed batch (a campaign's, or sequence mail) through `sendEmailBatch` and records what
 * Postmark answered; a failed call goes to call-failure.ts (an unanswered batch stays open for
 * recover-batches.ts).
 */
export async function sendBroadcastBatch(
  db: Db,
  { batch, build }: { batch: ClaimedBatch<string | null>; build: (message: ClaimedMessage) => ReturnType<typeof buildBroadcastEmail> },
  deps: SendingDeps,
) {
  if (batch.messages.length === 0) return { sent: 0, failed: 0 };
  const emails = batch.messages.map(build);
  let responses: Awaited<ReturnType<ServerClient["sendEmailBatch"]>>;
  try {
    responses = await deps.postmark.sendEmailBatch(emails);
  } catch (error) {
    await handleCallFailure(db, { batch, error }, deps);
    return { sent: 0, failed: 0 };
  }
  // Postmark answers in request order, one entry per message.
  // The personalized subject is stored with the answer (one update per batch either way).
  const results: EntryResult[] = batch.messages.map((m, i) => {
    const r = responses[i];
    const subject = emails[i].Subject;
    if (r && r.ErrorCode === 0 && r.MessageID) {
      return { messageId: m.id, toEmail: m.toEmail, postmarkMessageId: r.MessageID, submittedAt: r.SubmittedAt ? new Date(r.SubmittedAt) : undefined, subject };
    }
    return { messageId: m.id, toEmail: m.toEmail, errorCode: r?.ErrorCode ?? -1, errorMessage: r?.Message ?? "No answer for this message", subject };
  });
  return recordBatchResults(db, { batchId: batch.batchId, campaignId: batch.campaignId, results }, deps);
}
