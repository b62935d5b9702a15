/**
 * Drill 8 — a sequence's process death (issue 17). N contacts join a list that enrols them in a
 * sequence; its email's delay becomes 0 so every step is due at once; the app is SIGKILLed while the
 * sandbox is accepting them (with the launcher, the launcher too) and started again.
 * Promises: nobody gets the step twice, nobody is missed (the sandbox's own records), every enrollment
 * completes.
 */
import { sql } from "drizzle-orm";
import { apiOf, check, countSends, newResult, seedAudience, sleep, tag, tickUntil, type DrillResult, type Size } from "./support";
import type { DrillSystem } from "./system";

const PARAMS = {
  full: { contacts: 20_000, latencyMs: 30, killAt: 0.3 },
  short: { contacts: 1_500, latencyMs: 600, killAt: 0 },
};

type SequenceView = { id: string; emails: { id: string; subject: string; html: string; stats: { sent: number } }[]; enrollments: { active: number; completed: number } };

export async function sequenceDeathDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("8 sequence death", `${p.contacts.toLocaleString("en")} sequence steps due at once`, `app SIGKILLed mid-sequence (${p.killAt ? `${p.killAt * 100}% sent` : "first batch in flight"})`);
  const run = `seq${tag()}`;
  const call = apiOf(sys);
  // The list exists before its contacts: a sequence it triggers enrols each as it joins.
  const list = await call<{ data: { id: string } }>("POST", "/api/v1/lists", { name: `drill trigger ${run}` });
  const created = await call<{ data: SequenceView }>("POST", "/api/v1/sequences", {
    name: `drill ${run}`,
    trigger: { type: "list", id: list.body.data.id },
    emails: [{ subject: "Step one {{ email }}", html: "<p>One</p>", delay: { amount: 1, unit: "days" } }],
  });
  if (created.status !== 201) throw new Error(`creating the sequence failed: ${created.status} ${JSON.stringify(created.body)}`);
  const s = created.body.data;
  await call("POST", `/api/v1/sequences/${s.id}/activate`);
  const { emails } = await seedAudience(sys, run, p.contacts);
  await call("POST", `/api/v1/contacts`, emails.map((email) => ({ email, list_ids: [list.body.data.id] })));
  sys.sandbox.setFaults({ latencyMs: p.latencyMs });
  const e = s.emails[0];
  const patched = await call("PATCH", `/api/v1/sequences/${s.id}`, { emails: [{ id: e.id, subject: e.subject, html: e.html, delay: { amount: 0, unit: "minutes" } }] });
  if (patched.status !== 200) throw new Error(`making the steps due failed: ${patched.status}`);

  const accepted = () => countSends(sys.sandbox.messages(), emails).accepted;
  const batchCalls = () => sys.sandbox.stats().apiCalls["POST /email/batch"] ?? 0;
  const deadline = Date.now() + 600_000;
  let lastTick = 0;
  while (!(batchCalls() > 0 && accepted() >= p.contacts * p.killAt) && Date.now() < deadline) {
    await sleep(10);
    if (Date.now() - lastTick > 2_000) {
      lastTick = Date.now();
      void fetch(`${sys.baseUrl}/api/cron/send`, { headers: { authorization: `Bearer ${sys.cronSecret}` } }).then((r) => r.arrayBuffer(), () => {});
    }
  }
  await sys.killApp();
  result.notes.push(`killed with ${accepted()} of ${p.contacts} accepted by the sandbox`);
  // As in drill 2: the short drill moves the in-doubt batches' check forward instead of waiting a minute.
  if (size === "short") await sys.db.execute(sql`update send_batches set check_after = now() where status in ('in_flight', 'uncertain')`);
  await sys.restartApp();
  const completed = async () =>
    (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from sequence_enrollments where sequence_id = ${s.id}::uuid and status = 'completed'`)).rows[0].n;
  const sentRows = async () =>
    (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from messages where sequence_id = ${s.id}::uuid and postmark_message_id is not null`)).rows[0].n;
  await tickUntil(sys, async () => (await completed()) === p.contacts && (await sentRows()) === p.contacts, size === "full" ? 1_200_000 : 180_000, 1_000);
  sys.sandbox.setFaults({});

  const sends = countSends(sys.sandbox.messages(), emails);
  check(result, (await completed()) === p.contacts, `${p.contacts - (await completed())} enrollments did not complete`);
  check(result, (await sentRows()) === p.contacts, `${p.contacts - (await sentRows())} messages have no Postmark MessageID`);
  check(result, sends.duplicated === 0, `${sends.duplicated} contacts got the step twice`);
  check(result, sends.missing === 0, `${sends.missing} contacts never got the step`);
  result.requests = Object.values(sys.sandbox.stats().apiCalls).reduce((a, b) => a + b, 0);
  result.lost = sends.missing;
  result.duplicated = sends.duplicated;
  // Paused, so later drills' sending runs have nothing of it to look at.
  await call("POST", `/api/v1/sequences/${s.id}/pause`);
  return result;
}
