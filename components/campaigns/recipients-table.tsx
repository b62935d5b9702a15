"use client";

import Link from "next/link";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { MessageStatusBadge } from "@/components/messages/status-badge";

export interface RecipientRow {
  id: string;
  toEmail: string;
  status: string;
  sentAt: string | null;
  deliveredAt: string | null;
  firstOpenedAt: string | null;
  openCount: number;
  firstClickedAt: string | null;
  clickCount: number;
  lastEventAt: string | null;
  errorMessage: string | null;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, RecipientRow>();
const time = (v: string | null) => (v ? v.replace("T", " ").slice(0, 16) : "—");

const columns = helper.columns([
  helper.accessor("toEmail", {
    header: "Recipient",
    cell: (info) => (
      <Link href={`/messages/${info.row.original.id}`} className="font-medium text-brand-700 hover:underline">
        {info.getValue()}
      </Link>
    ),
  }),
  helper.accessor("status", {
    header: "Status",
    cell: (info) => (
      <span>
        <MessageStatusBadge status={info.getValue()} />
        {info.row.original.errorMessage ? <span className="block text-xs text-slate-500">{info.row.original.errorMessage}</span> : null}
      </span>
    ),
  }),
  helper.accessor("sentAt", { header: "Sent", cell: (info) => time(info.getValue()) }),
  helper.accessor("deliveredAt", { header: "Delivered", cell: (info) => time(info.getValue()) }),
  helper.accessor("firstOpenedAt", { header: "Opened", cell: (info) => (info.getValue() ? `${time(info.getValue())} (${info.row.original.openCount}×)` : "—") }),
  helper.accessor("firstClickedAt", { header: "Clicked", cell: (info) => (info.getValue() ? `${time(info.getValue())} (${info.row.original.clickCount}×)` : "—") }),
  helper.accessor("lastEventAt", { header: "Last activity", cell: (info) => time(info.getValue()) }),
]);

/** The per-recipient table; paging, sorting and filtering happen on the server (all in the URL). */
export function RecipientsTable({ rows }: { rows: RecipientRow[] }) {
  const table = useTable({ features, columns, data: rows });
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table aria-label="Recipients" className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col" className="px-4 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody className="divide-y divide-slate-100">
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} data-testid="recipient-row">
              {row.getAllCells().map((cell) => (
                <td key={cell.id} className="px-4 py-2 align-top text-slate-700">
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
