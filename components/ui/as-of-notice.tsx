/**
 * Said on a page whose figures were read from a replica that is behind the primary (db/reads.ts): the
 * moment they show, and that what came after is stored and only not shown yet. Nothing when current.
 */
export function AsOfNotice({ asOf, zone }: { asOf: Date | null; zone: string }) {
  if (!asOf) return null;
  const time = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).format(asOf);
  return (
    <span className="text-xs text-amber-700" data-testid="figures-as-of" title={`Read from a replica; ${asOf.toISOString()}`}>
      Figures as of {time}, nothing is lost: the newest events are stored and will show in a moment.
    </span>
  );
}
