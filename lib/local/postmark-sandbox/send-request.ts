/**
 * Validation of one `POST /email` message the way Postmark answers it: ErrorCode 300 for an invalid
 * request (no sender, no recipient, no subject, no body, malformed address), and the normalised fields
 * the sandbox keeps when it is valid.
 */
import { isValidEmail, parseAddressList } from "./payloads";
import type { SandboxMessage } from "./types";

/** What a send request carries once checked: an accepted message before the sandbox gives it an id and a plan. */
export type SendInput = Omit<SandboxMessage, "messageId" | "submittedAt" | "plans" | "events">;

export type SendCheck = { ok: true; input: SendInput } | { ok: false; errorCode: number; message: string };

const MAX_RECIPIENTS = 50;

function invalid(message: string, errorCode = 300): SendCheck {
  return { ok: false, errorCode, message };
}

function str(value: unknown): string {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
}

export function checkSendRequest(body: unknown): SendCheck {
  if (!body || typeof body !== "object" || Array.isArray(body)) return invalid("Invalid email request: expected a JSON object.", 402);
  const m = body as Record<string, unknown>;

  const from = str(m.From).trim();
  if (!from) return invalid("Invalid 'From' address: ''.");
  const fromAddr = parseAddressList(from)[0];
  if (!fromAddr || !isValidEmail(fromAddr.Email)) return invalid(`Invalid 'From' address: '${from}'.`);

  const recipients: string[] = [];
  for (const field of ["To", "Cc", "Bcc"] as const) {
    for (const a of parseAddressList(str(m[field]))) {
      if (!isValidEmail(a.Email)) return invalid(`Error parsing '${field}': Illegal email address '${a.Email}'. It must contain the '@' symbol.`);
      recipients.push(a.Email);
    }
  }
  if (recipients.length === 0) return invalid("Zero recipients specified");
  if (recipients.length > MAX_RECIPIENTS) return invalid(`You can send to at most ${MAX_RECIPIENTS} recipients per message (To, Cc and Bcc together).`);
  if (!parseAddressList(str(m.To)).length) return invalid("Zero recipients specified");

  const subject = str(m.Subject);
  if (!subject.trim()) return invalid("Missing or empty 'Subject'.");

  const htmlBody = typeof m.HtmlBody === "string" && m.HtmlBody !== "" ? m.HtmlBody : null;
  const textBody = typeof m.TextBody === "string" && m.TextBody !== "" ? m.TextBody : null;
  if (htmlBody === null && textBody === null) return invalid("Provide either email TextBody or HtmlBody or both.");

  const metadata: Record<string, string> = {};
  if (m.Metadata !== undefined && m.Metadata !== null) {
    if (typeof m.Metadata !== "object" || Array.isArray(m.Metadata)) return invalid("Invalid 'Metadata': expected an object.", 403);
    for (const [k, v] of Object.entries(m.Metadata as Record<string, unknown>)) {
      if (v !== null && typeof v === "object") return invalid(`Invalid 'Metadata' value for '${k}': expected a string.`, 403);
      metadata[k] = str(v);
    }
  }

  const headers: { Name: string; Value: string }[] = [];
  if (Array.isArray(m.Headers)) {
    for (const h of m.Headers as { Name?: unknown; Value?: unknown }[]) headers.push({ Name: str(h?.Name), Value: str(h?.Value) });
  }
  const attachments = Array.isArray(m.Attachments) ? (m.Attachments as { Name?: unknown }[]).map((a) => str(a?.Name)) : [];
  const tag = str(m.Tag);
  if (tag.length > 1000) return invalid("Tag is too long (maximum 1000 characters).");

  return {
    ok: true,
    input: {
      to: str(m.To),
      cc: str(m.Cc),
      bcc: str(m.Bcc),
      recipients,
      from,
      subject,
      tag,
      metadata,
      stream: str(m.MessageStream).trim() || "outbound",
      htmlBody,
      textBody,
      headers,
      trackOpens: m.TrackOpens === true,
      trackLinks: typeof m.TrackLinks === "string" ? m.TrackLinks : "None",
      attachments,
    },
  };
}
