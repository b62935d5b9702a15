import { humanStatus, machineClasses } from "./human-status";
import type { Message } from "./queries";

/** One CSV field: quoted when needed, and spreadsheet formulas neutralised (a leading = + - @). */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One row per recipient. `status` is the human status (lib/messages/human-status.ts); the columns after
 * `error` were added by issue 15 (appended, so a spreadsheet reading columns by position keeps working):
 * the first open and click by a person, the fetcher classes of the other opens and clicks (";"-separated,
 * image_proxy included though its opens count as a person's), and the status counting machines too.
 */
export const RECIPIENT_CSV_HEADER = [
  "email",
  "status",
  "postmark_message_id",
  "sent_at",
  "delivered_at",
  "first_opened_at",
  "opens",
  "first_clicked_at",
  "clicks",
  "bounced_at",
  "error",
  "first_human_opened_at",
  "first_human_clicked_at",
  "machine_open_classes",
  "machine_click_classes",
  "status_including_machines",
];

export function recipientCsvLine(m: Message): string {
  return (
    [
      m.toEmail,
      humanStatus(m),
      m.postmarkMessageId,
      m.sentAt,
      m.deliveredAt,
      m.firstOpenedAt,
      m.openCount,
      m.firstClickedAt,
      m.clickCount,
      m.bouncedAt,
      m.errorMessage,
      m.firstHumanOpenedAt,
      m.firstHumanClickedAt,
      machineClasses(m.openClasses, "open").join(";"),
      machineClasses(m.clickClasses, "click").join(";"),
      m.status,
    ]
      .map(csvField)
      .join(",") + "\r\n"
  );
}
