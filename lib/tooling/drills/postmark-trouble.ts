/**
 * Drill 3 — Postmark trouble. The sandbox answers 10% of calls with 429, 5% with 500, and holds some
 * without answering (the client gives up; the send may or may not have happened), while a campaign
 * and single emails through the API are sending.
 * Promises: sending completes; nobody is mailed twice or missed; no message is marked sent unless
 * Postmark really holds it (its MessageID exists in the sandbox, for that recipient); after a 429 a
 * recipient is not tried again before its backoff (5 s doubling, half of it at least, with jitter) —
 * checked on the wire between the app and Postmark, not from the app's own records.
 */
import { sql } from "drizzle-orm";
import { apiOf, check, countSends, newResult, pool, seedAudience, sendCampaign, tag, tickUntil, waitForCampaign, type DrillResult, type Size } from "./support";
import type { DrillSystem } from "./system";

const PARAMS = {
  // A hang lasts longer than the app's 30 s client timeout in the full drill; in the short one the
  // sandbox drops the connection after 1 s (the same "no answer" to the app, sooner).
  full: { recipients: 10_000, singles: 300, hangMs: 40_000, timeoutRate: 0.02 },
  short: { recipients: 1_000, singles: 40, hangMs: 1_000, timeoutRate: 0.03 },
};

export async function postmarkTroubleDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("3 Postmark trouble", `${p.recipients.toLocaleString("en")}-recipient campaign + ${p.singles} single emails`, `429 on 10%, 500 on 5%, no answer on ${p.timeoutRate * 100}% of calls`);
  const run = `pm${tag()}`;
  const { listId, emails } = await seedAudience(sys, run, p.recipients);
  const singles = Array.from({ length: p.singles }, (_, i) => `single+${run}-${i}@drill.test`);
  sys.wire.record(true);
  // Sends go in batches (a campaign of 1,000 is two calls, the singles a few more), so 10% of a dozen
  // calls can miss every time: the first two sends are refused with 429 for sure, the rates do the rest.
  sys.sandbox.setFaults({ first429Sends: 2, rate429: 0.1, rate5xx: 0.05, timeoutRate: p.timeoutRate, timeoutHangMs: p.hangMs });
  const campaignId = await sendCampaign(sys, run, listId);
  const call = apiOf(sys);
  const answers = new Map<number, number>();
  await pool(singles, 8, async (to) => {
    const res = await call("POST", "/api/v1/emails", { to, subject: `Drill ${run}`, text: "A single email in the Postmark trouble drill." }).catch(() => ({ status: 0 }));
    answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
  });
  check(result, [...answers.keys()].every((s) => s === 200 || s === 202), `single emails answered ${[...answers].map(([s, n]) => `${s}×${n}`).join(", ")} (expected 200 sent or 202 queued)`);

  let aging: NodeJS.Timeout | undefined;
  if (size === "short") {
    // A batch that got no answer is looked up in Postmark 30 s later; the short drill moves that clock
    // (and only that one: the backoff after a 429 is real time, and it is what is checked).
    aging = setInterval(() => void sys.db.execute(sql`update send_batches set check_after = now() where status = 'uncertain'`).catch(() => {}), 1_000);
  }
  const timeout = size === "full" ? 1_200_000 : 150_000;
  const started = Date.now();
  const done = await waitForCampaign(sys, campaignId, { timeoutMs: timeout, tickMs: 2_000 });
  const singlesSent = async () =>
    (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from messages where campaign_id is null and to_email like ${`single+${run}-%`} and (status in ('queued', 'sending', 'failed') or postmark_message_id is null)`)).rows[0].n === 0;
  await tickUntil(sys, singlesSent, Math.max(10_000, timeout - (Date.now() - started)), 1_000);
  clearInterval(aging);
  sys.sandbox.setFaults({});
  sys.wire.record(false);

  const everyone = [...emails, ...singles];
  const sends = countSends(sys.sandbox.messages(), everyone);
  check(result, done?.status === "sent", `the campaign did not finish (status ${done?.status ?? "unknown"})`);
  check(result, await singlesSent(), "some single emails were never sent");
  check(result, sends.duplicated === 0, `${sends.duplicated} recipients were mailed twice`);
  check(result, sends.missing === 0, `${sends.missing} recipients were never mailed`);

  // Nothing marked sent that was not: every stored MessageID is one the sandbox holds, for that address.
  const { rows } = await sys.db.execute<{ to: string; pm: string | null; status: string }>(sql`
    select to_email as "to", postmark_message_id as pm, status::text from messages
    where (campaign_id = ${campaignId} or (campaign_id is null and to_email like ${`single+${run}-%`}))`);
  const phantom = rows.filter((r) => r.pm !== null && !sys.sandbox.getMessage(r.pm)?.recipients.includes(r.to)).length;
  const failed = rows.filter((r) => r.status === "failed").length;
  check(result, phantom === 0, `${phantom} messages are marked sent with a MessageID Postmark does not hold for them`);
  const unsent = rows.filter((r) => ["queued", "sending", "failed"].includes(r.status) || !r.pm).length;
  check(result, unsent === 0, `${unsent} messages are not sent (${failed} failed)`);

  // Backoff, on the wire: after a 429, a recipient's next attempt waits at least half of 5 s × 2^(n-1).
  const sendCalls = sys.wire.calls.filter((c) => c.path === "POST /email" || c.path === "POST /email/batch");
  const byRecipient = new Map<string, typeof sendCalls>();
  for (const c of sendCalls) for (const r of c.recipients) byRecipient.set(r, [...(byRecipient.get(r) ?? []), c]);
  let throttled = 0;
  let early = 0;
  let shortestWait = Infinity;
  for (const attempts of byRecipient.values()) {
    attempts.sort((a, b) => a.startedAt - b.startedAt);
    attempts.forEach((a, k) => {
      if (a.status !== 429 || k + 1 >= attempts.length) return;
      throttled++;
      const waited = attempts[k + 1].startedAt - a.answeredAt;
      shortestWait = Math.min(shortestWait, waited);
      if (waited < 2_500 * 2 ** k - 50) early++;
    });
  }
  check(result, early === 0, `${early} of ${throttled} recipients throttled by a 429 were tried again before their backoff`);
  const stats = sys.sandbox.stats();
  result.notes.push(`wire: ${sys.wire.calls.length} calls to Postmark (${sendCalls.length} sends); faults injected: ${JSON.stringify(stats.faults)}; ${throttled} recipient retries after a 429, shortest wait ${Number.isFinite(shortestWait) ? `${(shortestWait / 1000).toFixed(1)} s` : "-"}`);
  check(result, stats.faults.rate429 > 0, "no 429 was injected: the drill did not test the backoff");
  result.requests = sys.wire.calls.length;
  result.lost = sends.missing + phantom;
  result.duplicated = sends.duplicated;
  return result;
}
