"use client";

import Link from "next/link";
import { useMemo } from "react";
import { constructSortFn, createColumnHelper, createSortedRowModel, rowSortingFeature, tableFeatures, useTable, type SortingState } from "@tanstack/react-table";

/**
 * The one table of the dashboard. Server pages render it directly, so every prop is serializable:
 * columns are plain descriptions, and each row brings its cells already rendered (React nodes, which
 * may hold links and client components such as row actions) plus the plain values it sorts by.
 *
 * Sorting is honest about what the page holds:
 * - `{ kind: "client" }` reorders in the browser; only for pages that show the whole set. A header
 *   toggles between two orders; numbers and times start largest first, text A→Z (TanStack's default).
 * - `{ kind: "url" }` for keyset-paged pages: the headers are links to the order the query honours,
 *   so the whole set is sorted, never just the visible page.
 * - no `sort`: headers are plain text.
 */

export type SortValue = string | number | null;

export interface DataTableColumn {
  id: string;
  header: string;
  /** A second, smaller line under the header ("Clicks" / "all"); kept apart by a space in the text. */
  subLabel?: string;
  /** The header is for screen readers only (a column of row actions). */
  hideHeader?: boolean;
  align?: "left" | "right";
  /** Classes for this column's cells: widths, fonts, truncation. */
  className?: string;
  /** Client sorting only: the column sorts by each row's `sort[id]`. */
  sortable?: boolean;
}

export interface DataTableRow {
  id: string;
  cells: Record<string, React.ReactNode>;
  /** Client sorting: the plain value each sortable column orders by (null sorts last). */
  sort?: Record<string, SortValue>;
  /** Shown dimmed (a reviewed or archived item). */
  muted?: boolean;
}

export interface ColumnSortState {
  id: string;
  desc: boolean;
}

export type DataTableSort =
  | { kind: "client"; initial?: ColumnSortState }
  | {
      kind: "url";
      /** The order the query used for this page, when it is one of the columns. */
      current: ColumnSortState | null;
      /** Per sortable column: where its header leads (usually the same view, sorted by it, from the first page). */
      hrefs: Record<string, string>;
    };

export interface DataTablePaging {
  first?: string | null;
  previous: string | null;
  next: string | null;
  labels?: { first?: string; previous?: string; next?: string };
}

export interface DataTableEmpty {
  title: string;
  description?: React.ReactNode;
  /** What fills the table: a link or button. */
  action?: React.ReactNode;
}

export interface DataTableProps {
  /** The table's accessible name. */
  label: string;
  columns: DataTableColumn[];
  rows: DataTableRow[];
  empty: DataTableEmpty;
  sort?: DataTableSort;
  paging?: DataTablePaging;
  /** A data-testid on every body row. */
  rowTestId?: string;
}

const features = tableFeatures({ rowSortingFeature, sortedRowModel: createSortedRowModel() });
const helper = createColumnHelper<typeof features, DataTableRow>();

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
/** Ascending order of two non-null values; the table reverses it for descending and puts nulls last. */
const compareValues = constructSortFn({
  sort: (a: Exclude<SortValue, null>, b: Exclude<SortValue, null>) => (typeof a === "number" && typeof b === "number" ? a - b : collator.compare(String(a), String(b))),
});

const ARIA_SORT = { asc: "ascending", desc: "descending" } as const;

export function DataTable({ label, columns, rows, empty, sort, paging, rowTestId }: DataTableProps) {
  const clientSort = sort?.kind === "client";
  const tableColumns = useMemo(
    () =>
      helper.columns(
        columns.map((c) =>
          helper.accessor((row) => row.sort?.[c.id] ?? undefined, {
            id: c.id,
            header: c.header,
            cell: (info) => info.row.original.cells[c.id] ?? null,
            enableSorting: clientSort && Boolean(c.sortable),
            sortFn: compareValues,
            sortUndefined: "last",
          }),
        ),
      ),
    [columns, clientSort],
  );
  const initialSorting: SortingState = sort?.kind === "client" && sort.initial ? [sort.initial] : [];
  const table = useTable({
    features,
    columns: tableColumns,
    data: rows,
    getRowId: (row) => row.id,
    initialState: { sorting: initialSorting },
    // Two states per column (ascending, descending): a third click back to "unsorted" surprises.
    enableSortingRemoval: false,
    enableMultiSort: false,
    // URL sorting: the rows arrive in the query's order.
    manualSorting: !clientSort,
  });
  const byId = new Map(columns.map((c) => [c.id, c]));

  return (
    <div className="min-w-0 rounded-lg border border-slate-200 bg-white">
      {rows.length === 0 ? (
        <div className="px-6 py-10 text-center" data-testid="table-empty">
          <p className="text-base font-semibold text-slate-800">{empty.title}</p>
          {empty.description ? <div className="mx-auto mt-2 max-w-md text-sm text-slate-500">{empty.description}</div> : null}
          {empty.action ? <div className="mt-5">{empty.action}</div> : null}
        </div>
      ) : (
        // A wide table scrolls inside its card; the page never scrolls sideways. `relative` keeps the
        // screen-reader-only header of an actions column (absolutely positioned) inside the scroller:
        // positioned against the page, it would widen the document.
        // It takes focus (tabIndex) so a keyboard user can scroll it with the arrow keys.
        <div role="region" aria-label={label} tabIndex={0} className="relative overflow-x-auto focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-brand-600">
          <table aria-label={label} className="min-w-full divide-y divide-slate-200 text-sm">
            <thead className="bg-slate-50">
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => {
                    const col = byId.get(header.column.id)!;
                    const direction = clientSort ? header.column.getIsSorted() : sort?.kind === "url" && sort.current?.id === col.id ? (sort.current.desc ? "desc" : "asc") : false;
                    const href = sort?.kind === "url" ? sort.hrefs[col.id] : undefined;
                    const sortable = clientSort ? header.column.getCanSort() : href !== undefined;
                    const title = header.isPlaceholder ? null : col.subLabel ? (
                      // The space keeps "Clicks all" two words when the header is read or copied as text.
                      <span className="inline-block">
                        <table.FlexRender header={header} />{" "}
                        <span className="block text-[11px] font-normal normal-case tracking-normal text-slate-500">{col.subLabel}</span>
                      </span>
                    ) : (
                      <table.FlexRender header={header} />
                    );
                    return (
                      <th
                        key={header.id}
                        scope="col"
                        aria-sort={sortable ? (direction ? ARIA_SORT[direction] : "none") : undefined}
                        className={`whitespace-nowrap px-4 py-2 text-xs font-semibold uppercase tracking-wide text-slate-500 ${col.align === "right" ? "text-right" : "text-left"}`}
                      >
                        {col.hideHeader ? (
                          <span className="sr-only">{title}</span>
                        ) : !sortable ? (
                          title
                        ) : clientSort ? (
                          <button type="button" onClick={header.column.getToggleSortingHandler()} className={sortControlClass}>
                            {title}
                            <SortMark direction={direction} />
                          </button>
                        ) : (
                          <Link href={href!} className={sortControlClass}>
                            {title}
                            <SortMark direction={direction} />
                          </Link>
                        )}
                      </th>
                    );
                  })}
                </tr>
              ))}
            </thead>
            <tbody className="divide-y divide-slate-100">
              {table.getRowModel().rows.map((row) => (
                <tr key={row.id} data-testid={rowTestId} className={row.original.muted ? "opacity-60" : undefined}>
                  {row.getAllCells().map((cell) => {
                    const col = byId.get(cell.column.id)!;
                    return (
                      <td key={cell.id} className={`px-4 py-2 align-top text-slate-700 ${col.align === "right" ? "text-right tabular-nums" : ""} ${col.className ?? ""}`}>
                        <table.FlexRender cell={cell} />
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {paging && (paging.previous || paging.next) ? <PagingBar paging={paging} /> : null}
    </div>
  );
}

const sortControlClass = "inline-flex items-center gap-1 uppercase tracking-wide hover:text-slate-800";

function SortMark({ direction }: { direction: false | "asc" | "desc" }) {
  return (
    <span aria-hidden className={direction ? "text-slate-700" : "text-slate-300"}>
      {direction === "desc" ? "▼" : direction === "asc" ? "▲" : "↕"}
    </span>
  );
}

function PagingBar({ paging }: { paging: DataTablePaging }) {
  const labels = { first: "« First page", previous: "← Previous", next: "Next →", ...paging.labels };
  const link = "text-brand-700 hover:underline";
  return (
    <nav aria-label="Pages" className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 px-4 py-2 text-sm">
      <span className="flex gap-4">
        {paging.first && paging.first !== paging.previous ? (
          <Link href={paging.first} className={link}>
            {labels.first}
          </Link>
        ) : null}
        {paging.previous ? (
          <Link href={paging.previous} className={link} rel="prev">
            {labels.previous}
          </Link>
        ) : null}
      </span>
      {paging.next ? (
        <Link href={paging.next} className={link} rel="next">
          {labels.next}
        </Link>
      ) : null}
    </nav>
  );
}
