"use client";

import { useEffect, useRef, useState } from "react";
import { countTargetsAction } from "@/app/(dashboard)/segments/actions";
import { formatNumber } from "@/components/ui/format";

export interface AudienceOptions {
  lists: { id: string; name: string; subscribedCount: number }[];
  tags: { id: string; name: string; contactCount: number }[];
  segments: { id: string; name: string }[];
  totalSubscribed: number;
}

/** The form edits all but excluded lists and tags (set through the API), which it carries along unchanged. */
export type AudienceTargets = { listIds: string[]; tagIds: string[]; segmentIds: string[]; excludeSegmentIds: string[]; excludeListIds: string[]; excludeTagIds: string[] };

function Checkboxes({ name, label, options, selected, onChange }: { name: string; label: string; options: { id: string; name: string; note?: string }[]; selected: string[]; onChange: (ids: string[]) => void }) {
  if (options.length === 0) return null;
  return (
    <div role="group" aria-label={label} className="space-y-1">
      <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</p>
      {options.map((o) => (
        <label key={o.id} className="flex items-center gap-2 text-sm">
          <input type="checkbox" name={name} value={o.id} checked={selected.includes(o.id)} onChange={(e) => onChange(e.target.checked ? [...selected, o.id] : selected.filter((x) => x !== o.id))} />
          <span className="min-w-0 wrap-anywhere">
            {o.name} {o.note ? <span className="text-slate-500">({o.note})</span> : null}
          </span>
        </label>
      ))}
    </div>
  );
}

/**
 * The campaign form's audience: everyone, or contacts in any of the chosen lists, tags and segments;
 * either way minus the excluded segments. The recipient count follows the choice (counted on the
 * server by the same SQL that freezes the audience at send).
 */
export function AudiencePicker({ options, initial, error, onListIdsChange }: { options: AudienceOptions; initial: AudienceTargets; error?: string; onListIdsChange: (ids: string[]) => void }) {
  const { lists, tags, segments, totalSubscribed } = options;
  const [audience, setAudience] = useState<"all" | "lists">(initial.listIds.length + initial.tagIds.length + initial.segmentIds.length ? "lists" : "all");
  const [listIds, setListIds] = useState(initial.listIds);
  const [tagIds, setTagIds] = useState(initial.tagIds);
  const [segmentIds, setSegmentIds] = useState(initial.segmentIds);
  const [excludeSegmentIds, setExcludeSegmentIds] = useState(initial.excludeSegmentIds);
  const [count, setCount] = useState<{ recipients: number; suppressed: number } | null>(null);
  const [countError, setCountError] = useState<string | null>(null);
  const request = useRef(0);
  const chosen = audience === "lists";
  const targets = { list_ids: chosen ? listIds : [], tag_ids: chosen ? tagIds : [], segment_ids: chosen ? segmentIds : [], exclude_segment_ids: excludeSegmentIds, exclude_list_ids: initial.excludeListIds, exclude_tag_ids: initial.excludeTagIds };
  const key = JSON.stringify(targets);

  useEffect(() => onListIdsChange(JSON.parse(key).list_ids), [key, onListIdsChange]);
  useEffect(() => {
    const id = ++request.current;
    const timer = setTimeout(async () => {
      const result = await countTargetsAction(JSON.parse(key));
      if (id !== request.current) return;
      if (result.ok && result.data) {
        setCount(result.data);
        setCountError(null);
      } else if (!result.ok) setCountError(result.error);
    }, 300);
    return () => clearTimeout(timer);
  }, [key]);

  const nothingChosen = chosen && listIds.length + tagIds.length + segmentIds.length === 0;
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-700">Audience</legend>
      <label className="flex items-center gap-2 text-sm">
        <input type="radio" name="audience" value="all" checked={!chosen} onChange={() => setAudience("all")} />
        Every subscribed contact ({formatNumber(totalSubscribed)})
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="radio" name="audience" value="lists" checked={chosen} onChange={() => setAudience("lists")} disabled={lists.length + tags.length + segments.length === 0} />
        Contacts in these lists, tags or segments{lists.length + tags.length + segments.length === 0 ? " (none yet)" : ""}
      </label>
      {chosen ? (
        <div className="ml-6 grid gap-3 sm:grid-cols-3" aria-describedby={error ? "campaign-lists-error" : undefined}>
          <Checkboxes name="list_ids" label="Lists" options={lists.map((l) => ({ id: l.id, name: l.name, note: `${formatNumber(l.subscribedCount)} subscribed` }))} selected={listIds} onChange={setListIds} />
          <Checkboxes name="tag_ids" label="Tags" options={tags.map((t) => ({ id: t.id, name: t.name, note: `${formatNumber(t.contactCount)} contacts` }))} selected={tagIds} onChange={setTagIds} />
          <Checkboxes name="segment_ids" label="Segments" options={segments} selected={segmentIds} onChange={setSegmentIds} />
        </div>
      ) : null}
      {error ? (
        <p id="campaign-lists-error" className="ml-6 text-sm text-red-600">
          {error}
        </p>
      ) : null}
      {segments.length ? (
        <div className="ml-6">
          <Checkboxes name="exclude_segment_ids" label="Leave out contacts in these segments" options={segments.filter((s) => !(chosen && segmentIds.includes(s.id)))} selected={excludeSegmentIds} onChange={setExcludeSegmentIds} />
        </div>
      ) : null}
      {initial.excludeListIds.map((id) => (
        <input key={id} type="hidden" name="exclude_list_ids" value={id} />
      ))}
      {initial.excludeTagIds.map((id) => (
        <input key={id} type="hidden" name="exclude_tag_ids" value={id} />
      ))}
      {initial.excludeListIds.length + initial.excludeTagIds.length ? (
        <p className="ml-6 text-xs text-slate-500">
          Also leaving out {initial.excludeListIds.length} {initial.excludeListIds.length === 1 ? "list" : "lists"} and {initial.excludeTagIds.length} {initial.excludeTagIds.length === 1 ? "tag" : "tags"} (set through the API; kept when you save).
        </p>
      ) : null}
      <p className="text-sm text-slate-700" aria-live="polite" data-testid="audience-live-count">
        {countError ? (
          <span className="text-red-600">{countError}</span>
        ) : nothingChosen ? (
          "Choose at least one list, tag or segment."
        ) : count ? (
          <>
            <strong className="tabular-nums">{formatNumber(count.recipients)}</strong> {count.recipients === 1 ? "recipient" : "recipients"}
            {count.suppressed ? `, ${formatNumber(count.suppressed)} skipped (unsubscribed, bounced or complained)` : ""}
          </>
        ) : (
          "Counting recipients…"
        )}
      </p>
    </fieldset>
  );
}
