import type { Message } from "./queries";

/** One CSV field: quoted when needed, and spreadsheet formulas neutralised (a leading = + - @). */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const RECIPIENT_CSV_HEADER = ["email", "status", "postmark_message_id", "sent_at", "delivered_at", "first_opened_at", "opens", "first_clicked_at", "clicks", "bounced_at", "error"];

export function recipientCsvLine(m: Message): string {
  return [m.toEmail, m.status, m.postmarkMessageId, m.sentAt, m.deliveredAt, m.firstOpenedAt, m.openCount, m.firstClickedAt, m.clickCount, m.bouncedAt, m.errorMessage].map(csvField).join(",") + "\r\n";
}
