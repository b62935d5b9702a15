import { Badge, EmptyState, PageHeader } from "@/components/ui/card";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { requireAdmin } from "@/lib/auth/session";
import { listSuspiciousRequests } from "@/lib/security/suspicious-requests";
import { getAppDb } from "@/lib/server";

export const metadata = { title: "Security" };

export default async function SecurityPage() {
  await requireAdmin();
  const rows = await listSuspiciousRequests(getAppDb(), { limit: 100 });
  return (
    <>
      <PageHeader title="Security" description="Requests to Postline's webhook and cron routes that failed a credential check." />
      {rows.length === 0 ? (
        <EmptyState title="No suspicious requests">When a request to the webhook or cron routes fails a credential check, it is recorded here.</EmptyState>
      ) : (
        <Table label="Suspicious requests">
          <thead className="bg-slate-50">
            <tr>
              <Th>When</Th>
              <Th>Route</Th>
              <Th>Source IP</Th>
              <Th>Reason</Th>
              <Th>User agent</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.id}>
                <Td>{formatDateTime(r.createdAt)}</Td>
                <Td className="font-mono text-xs">{r.route}</Td>
                <Td className="font-mono text-xs">{r.ip}</Td>
                <Td>
                  <Badge tone="red">{r.reason}</Badge>
                </Td>
                <Td className="max-w-xs truncate text-xs">{r.userAgent ?? "—"}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
