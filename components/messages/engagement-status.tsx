import { MessageStatusBadge } from "@/components/messages/status-badge";
import { humanStatus, MACHINE_ACTIVITY_LABEL, machineActivity, type EngagementFields } from "@/lib/messages/human-status";

/** A muted note of what machines did, beside a status: "Opened by Apple's proxy only". */
export function MachineBadge({ children }: { children: React.ReactNode }) {
  return (
    <span className="inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs text-slate-500 ring-1 ring-inset ring-slate-200" data-testid="machine-activity">
      {children}
    </span>
  );
}

/**
 * A message's status as marketers read it (issue 15): what people did, with what machines did beside
 * it, muted. A message only Apple's proxy opened reads "delivered · Opened by Apple's proxy only".
 * `batchId` is required: a queued message in flight (with its batch) shows as "sending", as in the API.
 */
export function HumanStatusBadge({ message }: { message: EngagementFields & { batchId: string | null } }) {
  const machine = machineActivity(message);
  return (
    <span className="inline-flex flex-wrap items-center gap-1" data-testid="human-status" data-status={humanStatus(message)}>
      <MessageStatusBadge status={humanStatus(message)} />
      {machine.map((m) => (
        <MachineBadge key={m}>{MACHINE_ACTIVITY_LABEL[m]}</MachineBadge>
      ))}
    </span>
  );
}
