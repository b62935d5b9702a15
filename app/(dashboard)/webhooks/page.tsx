import Link from "next/link";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { EndpointForm } from "@/components/webhooks/endpoint-form";
import { ReceiverDocs } from "@/components/webhooks/receiver-docs";
import { WebhookStatusBadge } from "@/components/webhooks/status-badge";
import { requireAdmin } from "@/lib/app/session";
import { listEndpoints } from "@/lib/outbound-webhooks/endpoints";
import { getAppDb } from "@/lib/app/deps";

export const metadata = { title: "Webhooks" };
export const dynamic = "force-dynamic";

export default async function WebhooksPage() {
  await requireAdmin();
  const endpoints = await listEndpoints(getAppDb());
  return (
    <>
      <PageHeader title="Webhooks" description="Signed HTTP callbacks that tell your systems what happens in Postline." />
      <div className="space-y-8">
        {endpoints.length === 0 ? (
          <EmptyState title="No webhook endpoints yet">
            Endpoints subscribe to events such as Email.Delivered or Contact.Unsubscribed and receive signed JSON posts. Create one below, publish its verification file, and events start flowing.
          </EmptyState>
        ) : (
          <Table label="Webhook endpoints">
            <thead className="bg-slate-50">
              <tr>
                <Th>Endpoint</Th>
                <Th>Status</Th>
                <Th>Events</Th>
                <Th>Rate limit</Th>
                <Th className="text-right">Waiting</Th>
                <Th className="text-right">Failed</Th>
                <Th>Last attempt</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {endpoints.map((e) => (
                <tr key={e.id}>
                  <Td className="max-w-xs break-all font-medium text-slate-900">
                    <Link href={`/webhooks/${e.id}`} className="text-brand-700 hover:underline">
                      {e.url}
                    </Link>
                    {e.description ? <span className="block text-xs text-slate-500">{e.description}</span> : null}
                  </Td>
                  <Td>
                    <WebhookStatusBadge status={e.status} />
                  </Td>
                  <Td className="font-mono text-xs">{e.events.join(", ")}</Td>
                  <Td>
                    {e.rateLimit.toLocaleString("en")} / {e.rateLimitPeriod}
                  </Td>
                  <Td className="text-right tabular-nums">{e.pending.toLocaleString("en")}</Td>
                  <Td className="text-right tabular-nums">{e.failed.toLocaleString("en")}</Td>
                  <Td>
                    {formatDateTime(e.lastAttemptAt)}
                    {e.lastStatusCode ? <span className="ml-1 text-xs text-slate-500">HTTP {e.lastStatusCode}</span> : null}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <Card title="Add an endpoint" description="Pick the events it receives and how many requests it can take. It stays pending until you verify ownership.">
          <EndpointForm />
        </Card>
        <Card title="Receiving Postline webhooks" description="For the developers of your receiver.">
          <ReceiverDocs />
        </Card>
      </div>
    </>
  );
}
