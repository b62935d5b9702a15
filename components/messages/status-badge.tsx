import { Badge } from "@/components/ui/card";

const TONE: Record<string, "slate" | "green" | "blue" | "amber" | "red"> = {
  queued: "slate",
  sending: "slate",
  sent: "blue",
  delivered: "green",
  opened: "green",
  clicked: "green",
  bounced: "red",
  spam_complaint: "red",
  unsubscribed: "amber",
  failed: "red",
  suppressed: "amber",
  cancelled: "slate",
};

export function MessageStatusBadge({ status }: { status: string }) {
  return <Badge tone={TONE[status] ?? "slate"}>{status.replace("_", " ")}</Badge>;
}
