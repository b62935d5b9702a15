/**
 * Drill 6 — flood. Unauthenticated requests (a wrong X-Webhook-Secret) pour into the webhook route
 * from a few loopback sources (127.0.0.2-5, real source addresses, as `next start` reads them) while
 * Postmark's authenticated traffic goes on at a steady rate from 127.0.0.1.
 * Promises: every authenticated event is accepted (never a 429) and stored once; the authenticated p99
 * during the flood stays within twice its quiet value (full drill; a timing, so the short drill in
 * `npm test` reports it without judging it); the flooding sources are cut off with 429; the admins get
 * one immediate email and, once the 15-minute window has passed (simulated), one digest — not one
 * email per request.
 */
import { sql } from "drizzle-orm";
import { alertEmails, check, deliveryPayload, newResult, pool, request, sleep, tag, tickUntil, webhookUrl, type DrillResult, type Size } from "./support";
import { percentile } from "../../../bench/support";
import type { DrillSystem } from "./system";

const PARAMS = {
  // floodRate: requests per second from all sources together (0: as fast as `concurrency` allows).
  // The load generator shares the machine's cores with the app and PostgreSQL, so an unpaced flood
  // measures CPU contention more than the app's defences; the full drill paces it.
  full: { flood: 20_000, sources: 4, concurrency: 32, floodRate: 250, rate: 50, quietSeconds: 20 },
  short: { flood: 1_000, sources: 4, concurrency: 8, floodRate: 0, rate: 25, quietSeconds: 4 },
};

/** Authenticated Postmark-like posts at `rate` per second until `stop()`; latencies of the accepted ones. */
function postmarkTraffic(sys: DrillSystem, run: string, rate: number) {
  const latencies: number[] = [];
  const timed: [number, number][] = [];
  const statuses = new Map<number, number>();
  const ids: string[] = [];
  let stopped = false;
  const inFlight: Promise<void>[] = [];
  const done = (async () => {
    const started = Date.now();
    for (let i = 0; !stopped; i++) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      const id = `drill-${run}-${i}`;
      ids.push(id);
      inFlight.push(
        request(webhookUrl(sys), { headers: { "content-type": "application/json", "x-webhook-secret": sys.webhookSecret }, body: deliveryPayload(id, `p${i}@drill.test`) })
          .then((a) => {
            statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
            if (a.status === 200) {
              latencies.push(a.ms);
              timed.push([Date.now(), a.ms]);
            }
          })
          .catch(() => void statuses.set(0, (statuses.get(0) ?? 0) + 1)),
      );
    }
  })();
  return {
    latencies,
    timed,
    statuses,
    ids,
    async stop() {
      stopped = true;
      await done;
      await Promise.all(inFlight);
    },
  };
}

export async function floodDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("6 flood", `${p.flood.toLocaleString("en")} unauthenticated requests${p.floodRate ? ` at ${p.floodRate}/s` : ""} from ${p.sources} sources + ${p.rate} authenticated/s`, "wrong X-Webhook-Secret flood");
  const run = `flood${tag()}`;
  const subject = (m: { subject: string }) => m.subject.includes("secret_mismatch");
  const emailsBefore = alertEmails(sys).filter(subject).length;

  // Quiet: Postmark's traffic alone.
  const quiet = postmarkTraffic(sys, `${run}q`, p.rate);
  await sleep(p.quietSeconds * 1000);
  await quiet.stop();

  // Flood, with Postmark's traffic going on.
  const busy = postmarkTraffic(sys, `${run}f`, p.rate);
  const floodStatuses = new Map<number, number>();
  const started = Date.now();
  await pool(
    Array.from({ length: p.flood }, (_, i) => i),
    p.concurrency,
    async (i) => {
      const due = started + (p.floodRate ? (i * 1000) / p.floodRate : 0);
      if (due > Date.now()) await sleep(due - Date.now());
      const from = `127.0.0.${2 + (i % p.sources)}`;
      const a = await request(webhookUrl(sys), { headers: { "content-type": "application/json", "x-webhook-secret": `guess-${i}-${run}`, "user-agent": "flood/1.0" }, body: deliveryPayload(`flood-${i}`, "x@drill.test"), from }).catch(() => null);
      floodStatuses.set(a?.status ?? 0, (floodStatuses.get(a?.status ?? 0) ?? 0) + 1);
    },
  );
  const floodSeconds = (Date.now() - started) / 1000;
  const firstSeconds = busy.timed.filter(([t]) => t < started + 5_000).map(([, ms]) => ms);
  const later = busy.timed.filter(([t]) => t >= started + 5_000).map(([, ms]) => ms);
  result.notes.push(`authenticated p99 in the flood's first 5 s (while each source is still answered 401 and recorded) ${percentile(firstSeconds, 99).toFixed(1)} ms, after ${percentile(later, 99).toFixed(1)} ms; slowest ${Math.max(0, ...busy.latencies).toFixed(0)} ms`);
  await busy.stop();
  result.requests = p.flood + quiet.ids.length + busy.ids.length;

  const quietP99 = percentile(quiet.latencies, 99);
  const busyP99 = percentile(busy.latencies, 99);
  result.notes.push(`authenticated p99: quiet ${quietP99.toFixed(1)} ms, during the flood ${busyP99.toFixed(1)} ms (×${(busyP99 / quietP99).toFixed(2)}); p50 ${percentile(quiet.latencies, 50).toFixed(1)} → ${percentile(busy.latencies, 50).toFixed(1)} ms`);
  result.notes.push(`flood: ${Math.round(p.flood / floodSeconds)} requests/s for ${floodSeconds.toFixed(1)} s; answers ${[...floodStatuses].map(([s, n]) => `${s || "none"}×${n}`).join(", ")}`);
  if (size === "full") check(result, busyP99 <= 2 * quietP99, `authenticated p99 ${busyP99.toFixed(1)} ms during the flood is more than twice the quiet ${quietP99.toFixed(1)} ms`);

  // Postmark's events: all accepted, none throttled, each stored once.
  for (const t of [quiet, busy]) {
    const other = [...t.statuses.keys()].filter((s) => s !== 200);
    check(result, other.length === 0, `authenticated posts answered ${other.map((s) => `${s || "none"}×${t.statuses.get(s)}`).join(", ")}`);
  }
  const ids = [...quiet.ids, ...busy.ids];
  const { rows } = await sys.db.execute<{ id: string; n: number }>(sql`select postmark_message_id as id, count(*)::int as n from message_events where postmark_message_id like ${`drill-${run}%`} group by 1`);
  const lost = ids.length - rows.length;
  const duplicated = rows.reduce((n, r) => n + r.n - 1, 0);
  check(result, lost === 0, `${lost} authenticated events were not stored`);
  check(result, duplicated === 0, `${duplicated} authenticated events were stored twice`);

  // The flood: 401 for the first failures of each source, then 429; never a 2xx, never a 5xx.
  const unexpected = [...floodStatuses.keys()].filter((s) => s !== 401 && s !== 429);
  check(result, unexpected.length === 0, `flood requests answered ${unexpected.map((s) => `${s || "none"}×${floodStatuses.get(s)}`).join(", ")}`);
  check(result, (floodStatuses.get(429) ?? 0) > 0, "no flooding source was cut off with 429");

  // Emails: at most one at once; after the 15-minute window (simulated: the alert's clock moved back), one digest.
  const immediate = alertEmails(sys).filter(subject).length - emailsBefore;
  await sys.db.execute(sql`update alerts set emailed_at = emailed_at - interval '16 minutes' where dedupe_key = 'secret_mismatch'`);
  await tickUntil(sys, async () => alertEmails(sys).some((m) => subject(m) && m.subject.includes("Digest")), 30_000);
  await sleep(500);
  const all = alertEmails(sys).filter(subject).length - emailsBefore;
  const digests = alertEmails(sys).filter((m) => subject(m) && m.subject.includes("Digest")).length;
  check(result, immediate <= 1, `${immediate} alert emails went out during the flood (expected at most 1)`);
  check(result, digests === 1, `${digests} digests after the window (expected 1)`);
  result.notes.push(`alert emails to the admin: ${immediate} during the flood, ${all - immediate} after 16 simulated minutes (${digests} digest)`);
  result.lost = lost;
  result.duplicated = duplicated;
  return result;
}
