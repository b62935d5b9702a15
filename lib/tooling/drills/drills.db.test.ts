/**
 * The short versions of issue 8's reliability drills (`npm run drill -- --short` runs the same code
 * through the launcher). One system for the file: its own embedded PostgreSQL (drill 1 stops and starts
 * it, so it cannot be the suite's shared one) and the app's route handlers in a child process (drill 2
 * SIGKILLs it), with the Postmark sandbox in this process. Each test asserts the drill's promises:
 * nothing lost, nothing duplicated, the documented answers, the records written. Latencies are printed
 * by `npm run drill`, never judged here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { complaintBreakerDrill } from "./complaint-breaker";
import { databaseRestartDrill } from "./database-restart";
import { floodDrill } from "./flood";
import { hostileInputDrill } from "./hostile-input";
import { outboundReceiversDrill } from "./outbound-receivers";
import { postmarkTroubleDrill } from "./postmark-trouble";
import { processDeathDrill } from "./process-death";
import { sequenceDeathDrill } from "./sequence-death";
import { closeAgents, type DrillResult } from "./support";
import { startDrillSystem, type DrillSystem } from "./system";
import { twoInstancesDrill } from "./two-instances";
import { webhookSilenceDrill } from "./webhook-silence";

let sys: DrillSystem;

beforeAll(async () => {
  sys = await startDrillSystem({ kind: "routes", dataDir: `.data/drill-test-${process.pid}` });
}, 120_000);

afterAll(async () => {
  closeAgents();
  await sys?.stop();
}, 60_000);

function expectPassed(r: DrillResult) {
  // The failures name what broke; an empty list is the pass.
  expect(r.failures).toEqual([]);
  expect(r.lost).toBe(0);
  expect(r.duplicated).toBe(0);
  expect(r.requests).toBeGreaterThan(0);
}

describe("reliability drills, short (issue 8)", { sequential: true }, () => {
  it("1 database restart: 503s within 3 s during pg_ctl stop (fast, immediate), every 2xx event stored once, the campaign complete", async () => {
    expectPassed(await databaseRestartDrill(sys, "short"));
  }, 180_000);

  it("2 process death: the app SIGKILLed mid-campaign and mid-outbound-delivery; nobody mailed twice or missed, no delivery lost", async () => {
    expectPassed(await processDeathDrill(sys, "short"));
  }, 180_000);

  it("3 Postmark trouble: 429s, 500s and hangs; sending completes, backoff holds on the wire, nothing marked sent that was not", async () => {
    expectPassed(await postmarkTroubleDrill(sys, "short"));
  }, 180_000);

  it("4 webhook silence: every post dropped; reconciliation restores every status, one silence alert and email", async () => {
    expectPassed(await webhookSilenceDrill(sys, "short"));
  }, 120_000);

  it("5 hostile input: documented 4xx for each, no crash, no stored message changed, every credential failure recorded", async () => {
    const r = await hostileInputDrill(sys, "short");
    expectPassed(r);
    expect(r.requests).toBeGreaterThanOrEqual(150);
  }, 120_000);

  it("6 flood: wrong-secret flood from several sources; Postmark's events all accepted and stored once, 429s, one email then one digest", async () => {
    expectPassed(await floodDrill(sys, "short"));
  }, 120_000);

  it("7 outbound receivers: hang → timeout, 410 → disabled, redirect not followed, 500 → the schedule then disabled", async () => {
    expectPassed(await outboundReceiversDrill(sys, "short"));
  }, 180_000);

  it("8 sequence death: the app SIGKILLed while a sequence's due steps go out; nobody mailed twice or missed, every enrollment complete", async () => {
    expectPassed(await sequenceDeathDrill(sys, "short"));
  }, 240_000);

  it("9 complaint breaker: 0.5% of a campaign's recipients complain; paused with its reason before 1% of the audience went out after the crossing", async () => {
    expectPassed(await complaintBreakerDrill(sys, "short"));
  }, 300_000);
});

describe("two instances, short (issue 19)", { sequential: true }, () => {
  // Its own system: two route servers against one PostgreSQL, a balancer in front.
  let two: DrillSystem;
  beforeAll(async () => {
    two = await startDrillSystem({ kind: "routes", dataDir: `.data/drill-test-two-${process.pid}`, instances: 2 });
  }, 120_000);
  afterAll(async () => {
    await two?.stop();
  }, 60_000);

  it("10 two instances: API, webhooks and cron on both, one SIGKILLed mid-campaign; nobody mailed twice or missed, no delivery lost, every event stored once", async () => {
    expectPassed(await twoInstancesDrill(two, "short"));
  }, 240_000);
});
