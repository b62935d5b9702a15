/**
 * Drill 5 — hostile input. Generated malformed and hostile requests to the webhook route, the public
 * API and a cron route: truncated and deeply nested JSON, wrong types, huge strings, invalid UTF-8,
 * header injection (raw bytes on a socket), missing, wrong and timing-probing secrets and API keys,
 * replayed payloads, oversized bodies (declared and streamed), slow bodies, wrong content types.
 * Promises: each gets its documented 4xx (replays: 200 and stored once); none gets a 5xx or crashes
 * the server (same process, healthy after); no stored message changes; every credential failure is
 * recorded as a suspicious request. Credential failures come from many loopback addresses, fewer than
 * the abuse limit (20 a minute) each, so every one must be recorded rather than answered 429.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { sql } from "drizzle-orm";
import { check, newResult, pool, request, seedAudience, sendCampaign, sleep, tag, waitForCampaign, webhookUrl, type DrillResult, type HttpAnswer, type Size } from "./support";
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
  const campaignId = await sendCampaign(sys, run, listId);
  await waitForCampaign(sys, campaignId, { timeoutMs: 120_000 });
  await sys.sandbox.flushWebhooks({ timeoutMs: 60_000 });
  const real = (await sys.db.execute<{ pm: string; to: string }>(sql`select postmark_message_id as pm, to_email as "to" from messages where campaign_id = ${campaignId}`)).rows;
  // Alert emails to the admins are messages too, and expected (credential failures raise alerts).
  const snapshot = async () => (await sys.db.execute<{ h: string; n: number }>(sql`select md5(coalesce(string_agg(m::text, ',' order by m.id), '')) as h, count(*)::int as n from messages m where tag is distinct from 'postline-alert'`)).rows[0];
  const contactsCount = async () => (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from contacts`)).rows[0].n;
  const before = await snapshot();
  const t0 = Date.now();
  const contactsBefore = await contactsCount();
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
  check(result, (await contactsCount()) === contactsBefore, "hostile API requests created contacts");
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
