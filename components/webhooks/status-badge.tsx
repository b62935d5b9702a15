import { Badge } from "@/components/ui/card";

const tones = { active: "green", pending_verification: "amber", disabled: "red", archived: "slate", succeeded: "green", pending: "amber", failed: "red", cancelled: "slate" } as const;

export function WebhookStatusBadge({ status }: { status: string }) {
  return <Badge tone={tones[status as keyof typeof tones] ?? "slate"}>{status.replace("_", " ")}</Badge>;
}
