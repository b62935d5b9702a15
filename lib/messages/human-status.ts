/**
 * The status a marketer sees for one message: the HUMAN one (issue 15). `messages.status` keeps its
 * meaning "any open or click" (it only moves forward, and ingestion, reconciliation and outbound
 * webhooks rely on it); what people did is in first_human_opened_at / first_human_clicked_at, and what
 * machines did in open_classes / click_classes (every class seen, human included).
 *
 *   queued with a batch (in flight)     sending (lib/sending/in-flight.ts)
 *   terminal and not-yet-sent statuses  as they are (bounced, spam_complaint, unsubscribed, failed, …)
 *   first_human_clicked_at set          clicked
 *   first_human_opened_at set           opened (a human click sets it too: someone who clicked opened)
 *   opened/clicked by machines only     delivered (the machine activity is shown beside it)
 *   otherwise                           the status (sent, delivered)
 *
 * humanStatusSql() is the same rule in SQL, for filters; keep the two together.
 */
import { sql, type SQL } from "drizzle-orm";
import { messages, type MessageStatus } from "@/db/schema";
import { shownStatus } from "@/lib/sending/in-flight";

export type EngagementFields = {
  status: MessageStatus;
  firstHumanOpenedAt: Date | null;
  firstHumanClickedAt: Date | null;
  openClasses: string[];
  clickClasses: string[];
};

export function humanStatus(m: Pick<EngagementFields, "status" | "firstHumanOpenedAt" | "firstHumanClickedAt"> & { batchId?: string | null }): MessageStatus {
  if (m.status !== "delivered" && m.status !== "opened" && m.status !== "clicked") return shownStatus(m);
  if (m.firstHumanClickedAt) return "clicked";
  if (m.firstHumanOpenedAt) return "opened";
  return "delivered";
}

export function humanStatusSql(): SQL<MessageStatus> {
  return sql<MessageStatus>`(case
    when ${messages.status} = 'queued' and ${messages.batchId} is not null then 'sending'::message_status
    when ${messages.status} not in ('delivered', 'opened', 'clicked') then ${messages.status}
    when ${messages.firstHumanClickedAt} is not null then 'clicked'::message_status
    when ${messages.firstHumanOpenedAt} is not null then 'opened'::message_status
    else 'delivered'::message_status end)`;
}

/** Machine opens and clicks shown beside the human status: a code for tests and CSV, a label for people. */
export type MachineActivity = "opened_apple_mpp_only" | "opened_uncertain" | "opened_link_scanner_only" | "clicked_link_scanner" | "clicked_uncertain";

export const MACHINE_ACTIVITY_LABEL: Record<MachineActivity, string> = {
  opened_apple_mpp_only: "Opened by Apple's proxy only",
  opened_link_scanner_only: "Opened by a link scanner only",
  opened_uncertain: "Opened (uncertain)",
  clicked_link_scanner: "Clicked by a link scanner",
  clicked_uncertain: "Clicked (uncertain)",
};

/**
 * What machines did that the human status does not show. An image proxy's open is a person's (Gmail
 * and Yahoo fetch when the person opens), so it never appears here. Opens by machines only matter
 * while no person opened; machine clicks are shown even beside a human click (a scanner clicked first).
 */
export function machineActivity(m: Pick<EngagementFields, "firstHumanOpenedAt" | "openClasses" | "clickClasses">): MachineActivity[] {
  const out: MachineActivity[] = [];
  if (!m.firstHumanOpenedAt) {
    if (m.openClasses.includes("apple_mpp")) out.push("opened_apple_mpp_only");
    else if (m.openClasses.includes("link_scanner")) out.push("opened_link_scanner_only");
    else if (m.openClasses.includes("unknown")) out.push("opened_uncertain");
  }
  if (m.clickClasses.includes("link_scanner")) out.push("clicked_link_scanner");
  else if (m.clickClasses.includes("unknown")) out.push("clicked_uncertain");
  return out;
}

/**
 * The fetcher classes seen other than a person's own client, in a stable order (CSV, API). Image proxies
 * are listed (they are a proxy) although their opens count as a person's.
 */
export function machineClasses(classes: string[], kind: "open" | "click"): string[] {
  const order = kind === "open" ? ["apple_mpp", "image_proxy", "link_scanner", "unknown"] : ["link_scanner", "unknown"];
  return order.filter((c) => classes.includes(c));
}
