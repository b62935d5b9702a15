/**
 * bench:audience, part 2: signup form submissions through `next start` (the launcher) while a campaign is
 * sending, against the same app's no-op route at the same rate (the baseline: what the HTTP stack costs).
 * Posts JSON as a site's script would: a new address each time from a new visitor's address (through a
 * trusted proxy, so the per-source limit applies per visitor as in production), double opt-in on, so
 * each accepted post writes a pending contact, its signup and a queued confirmation email, and the
 * confirmation emails go out after the responses in batch calls (the sandbox answers each Postmark call
 * in 30 ms, from its own process).
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import { api, percentile, startLauncher, startSandboxProcess, stopLauncher } from "../support";
import { keepAliveAgent } from "@/lib/tooling/keep-alive-agent";

const agent = keepAliveAgent({ maxSockets: 256 });

/** A visitor's address: signups come from many people, each through the proxy in front of the app. */
const visitor = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** A post that got no answer is status 0; its socket error's code is kept here, so a run can say what happened. */
const socketErrors = new Map<string, number>();

function post(port: number, pathname: string, body: string, i: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: pathname,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "bench:audience", "x-forwarded-for": visitor(i) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => {
      socketErrors.set(error.code ?? error.message, (socketErrors.get(error.code ?? error.message) ?? 0) + 1);
      resolve({ status: 0, ms: performance.now() - started });
    });
    req.end(body);
  });
}

/** Open loop: `count` posts at `rate` a second, each started on schedule whatever the replies do. */
async function fixedRate(port: number, pathname: string, body: (i: number) => string, rate: number, count: number, firstVisitor = 0) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      post(port, pathname, body(i), firstVisitor + i).then((r) => {
        latencies.push(r.ms);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }),
    );
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - started) / 1000;
  return { achieved: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), statuses: Object.fromEntries(statuses) };
}

export interface FormsLoadOptions {
  rate: number;
  seconds: number;
  /** Recipients of the campaign sending meanwhile. */
  recipients: number;
  /** `next start` processes sharing the port (POSTLINE_APP_PROCESSES). */
  appProcesses: number;
}

export async function formsUnderLoad({ rate, seconds, recipients, appProcesses }: FormsLoadOptions, log: (row: Record<string, string | number>) => void) {
  const token = `bench-${randomBytes(8).toString("hex")}`;
  const key = `pl_bench_${randomBytes(16).toString("hex")}`;
  const sandbox = await startSandboxProcess({ token, faults: { latencyMs: 30 } });
  const port = 3330;
  const launcher = await startLauncher({
    dataDir: ".data/bench-audience-forms",
    port,
    postgresPort: 5480,
    fresh: true,
    env: {
      POSTMARK_SERVER_TOKEN: token,
      POSTMARK_API_URL: sandbox.url,
      BOOTSTRAP_API_KEY: key,
      ADMIN_PASSWORD: "bench-admin-password",
      POSTLINE_CRON: "on",
      POSTLINE_BENCH_ROUTES: "on",
      // Posts come from many visitors (10.x.y.z) through a proxy on 127.0.0.1 that the app trusts, as in
      // production behind a load balancer; the per-source limit keeps its default (60 a minute).
      TRUSTED_PROXIES: "127.0.0.1",
      POSTLINE_APP_PROCESSES: String(appProcesses),
    },
  });
  const call = api(launcher.baseUrl, key);
  try {
    const form = await call<{ data: { id: string } }>("POST", "/api/v1/forms", { name: "Bench form", double_opt_in: true });
    if (form.status !== 201) throw new Error(`form create failed: ${form.status} ${JSON.stringify(form.body).slice(0, 300)}`);
    const formId = form.body.data.id;
    const page = await (await fetch(`${launcher.baseUrl}/f/${formId}`)).text();
    const stamp = /name="_ts" value="([^"]+)"/.exec(page)?.[1];
    if (!stamp) throw new Error("no fill stamp on the hosted page");

    for (let i = 0; i < recipients; i += 10_000) {
      const batch = Array.from({ length: Math.min(10_000, recipients - i) }, (_, j) => ({ email: `r${i + j}@campaign.bench.test` }));
      if ((await call("POST", "/api/v1/contacts", batch)).status !== 200) throw new Error("seeding the campaign's audience failed");
    }
    const campaign = await call<{ data: { id: string } }>("POST", "/api/v1/campaigns", { name: "sending meanwhile", subject: "Hi", html: "<p>Hello</p>" });
    await new Promise((r) => setTimeout(r, 2_100)); // the stamp must be older than FORM_MIN_FILL_MS

    const run = Date.now().toString(36);
    const formBody = (i: number) => JSON.stringify({ email: `s${i}.${run}@form.bench.test`, website: "", _ts: stamp });
    // Warm both routes (compilation, connections), then measure: the no-op first, the form while the campaign sends.
    await fixedRate(port, "/api/bench/noop", () => "{}", 100, 300);
    await fixedRate(port, `/f/${formId}`, (i) => JSON.stringify({ email: `warm${i}.${run}@form.bench.test`, website: "", _ts: stamp }), 100, 300, 1_000_000);
    const count = rate * seconds;
    console.log(`measuring the no-op route at ${rate}/s…`);
    const noop = await fixedRate(port, "/api/bench/noop", () => "{}", rate, count);
    console.log(`measuring form posts alone at ${rate}/s…`);
    // The same posts with nothing else running: what the route costs on its own.
    const alone = await fixedRate(port, `/f/${formId}`, (i) => JSON.stringify({ email: `alone${i}.${run}@form.bench.test`, website: "", _ts: stamp }), rate, count, 2_000_000);
    const started = await call("POST", `/api/v1/campaigns/${campaign.body.data.id}/send`);
    if (started.status !== 202) throw new Error(`the campaign did not start: ${started.status} ${JSON.stringify(started.body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 1_000));
    const before = (await call<{ data: { progress: { processed: number } } }>("GET", `/api/v1/campaigns/${campaign.body.data.id}`)).body.data.progress.processed;
    console.log(`measuring form posts at ${rate}/s while the campaign sends…`);
    const forms = await fixedRate(port, `/f/${formId}`, formBody, rate, count);
    console.log("waiting for the confirmation emails…");
    const after = (await call<{ data: { progress: { processed: number }; status: string } }>("GET", `/api/v1/campaigns/${campaign.body.data.id}`)).body.data;
    const sentMeanwhile = after.progress.processed - before;

    // Every accepted post left a signup and, soon after, a confirmation email in the sandbox.
    const deadline = Date.now() + 120_000;
    let confirmations = 0;
    while (Date.now() < deadline) {
      confirmations = (await sandbox.recipients((to) => to.endsWith(`.${run}@form.bench.test`) && to.startsWith("s"))).length;
      if (confirmations >= count) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    log({ test: `no-op route, ${rate}/s for ${seconds} s`, result: `${noop.achieved.toFixed(0)}/s achieved, p50 ${noop.p50.toFixed(1)} ms, p99 ${noop.p99.toFixed(1)} ms; ${JSON.stringify(noop.statuses)}` });
    log({ test: `form posts, ${rate}/s for ${seconds} s, nothing else running`, result: `${alone.achieved.toFixed(0)}/s achieved, p50 ${alone.p50.toFixed(1)} ms, p99 ${alone.p99.toFixed(1)} ms, max ${alone.max.toFixed(0)} ms; ${JSON.stringify(alone.statuses)}` });
    log({
      test: `form posts, ${rate}/s for ${seconds} s, campaign sending, ${appProcesses} app process${appProcesses > 1 ? "es" : ""}`,
      result:
        `${forms.achieved.toFixed(0)}/s achieved, p50 ${forms.p50.toFixed(1)} ms, p99 ${forms.p99.toFixed(1)} ms (${(forms.p99 / noop.p99).toFixed(1)}× the no-op's), max ${forms.max.toFixed(0)} ms; ` +
        `${JSON.stringify(forms.statuses)}; ${confirmations.toLocaleString("en")} confirmation emails sent; the campaign sent ${sentMeanwhile.toLocaleString("en")} meanwhile (${after.status})`,
    });
    if (socketErrors.size) log({ test: "posts with no answer (status 0), by socket error", result: JSON.stringify(Object.fromEntries(socketErrors)) });
  } finally {
    await stopLauncher(launcher);
    await sandbox.close();
  }
}
