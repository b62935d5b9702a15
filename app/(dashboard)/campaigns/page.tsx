import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { Badge, EmptyState, PageHeader } from "@/components/ui/card";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { requireUser } from "@/lib/app/session";
import { listCampaigns } from "@/lib/campaigns/campaigns";
import { getOutcomeCounts } from "@/lib/campaigns/stats";
import { getAppDb } from "@/lib/app/deps";

export const metadata = { title: "Campaigns" };

export default async function CampaignsPage() {
  await requireUser("marketer");
  const db = getAppDb();
  const campaigns = await listCampaigns(db);
  const outcomes = await getOutcomeCounts(db, campaigns.map((c) => c.id));
  return (
    <>
      <PageHeader title="Campaigns" description="Compose, send and follow your campaigns." actions={<Link href="/campaigns/new" className={buttonClass()}>New campaign</Link>} />
      {campaigns.length === 0 ? (
        <EmptyState title="No campaigns yet" action={<Link href="/campaigns/new" className={buttonClass()}>Compose your first campaign</Link>}>
          A campaign goes to a list, or to every subscribed contact. Add contacts first, then compose your first campaign.
        </EmptyState>
      ) : (
        <Table label="Campaigns">
          <thead className="bg-slate-50">
            <tr>
              <Th>Name</Th>
              <Th>Status</Th>
              <Th className="text-right">Recipients</Th>
              <Th className="text-right">Sent</Th>
              <Th className="text-right">Delivered</Th>
              <Th className="text-right">Opened</Th>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {campaigns.map((c) => (
              <tr key={c.id}>
                <Td className="font-medium text-slate-900">
                  <Link href={`/campaigns/${c.id}`} className="text-brand-700 hover:underline">
                    {c.name}
                  </Link>
                </Td>
                <Td>
                  <Badge tone={c.status === "sent" ? "green" : c.status === "sending" ? "blue" : "slate"}>{c.status}</Badge>
                </Td>
                <Td className="text-right tabular-nums">{c.recipientCount}</Td>
                <Td className="text-right tabular-nums">{c.sentCount}</Td>
                <Td className="text-right tabular-nums">{outcomes.get(c.id)!.delivered}</Td>
                <Td className="text-right tabular-nums">{outcomes.get(c.id)!.opened}</Td>
                <Td>{formatDateTime(c.createdAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
