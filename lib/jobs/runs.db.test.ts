import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { jobRunAlive, withJobRun } from "./runs";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const rowsOf = async (job: string) => (await t.db.execute<{ n: number }>(sql`select count(*)::int as n from job_runs where job = ${job}`)).rows[0].n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("registered runs of a job (real PostgreSQL)", () => {
  it("is alive while its work runs and gone once it ends, however it ends", async () => {
    expect(await jobRunAlive(t.db, "job-a")).toBe(false);
    const seen = await withJobRun(t.db, "job-a", async () => ({ alive: await jobRunAlive(t.db, "job-a"), other: await jobRunAlive(t.db, "job-b") }));
    expect(seen).toEqual({ alive: true, other: false });
    expect(await jobRunAlive(t.db, "job-a")).toBe(false);
    expect(await rowsOf("job-a")).toBe(0);

    await expect(
      withJobRun(t.db, "job-a", async () => {
        expect(await jobRunAlive(t.db, "job-a")).toBe(true);
        throw new Error("the work failed");
      }),
    ).rejects.toThrow("the work failed");
    expect(await rowsOf("job-a")).toBe(0);
  });

  it("counts each of several runs at once: the job stays alive until the last one ends", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const long = withJobRun(t.db, "job-c", () => held);
    await withJobRun(t.db, "job-c", async () => expect(await rowsOf("job-c")).toBe(2));
    expect(await jobRunAlive(t.db, "job-c")).toBe(true);
    release();
    await long;
    expect(await jobRunAlive(t.db, "job-c")).toBe(false);
  });

  it("stays alive past its first lease while it beats, and lapses by itself when its process dies", async () => {
    await withJobRun(
      t.db,
      "job-d",
      async () => {
        await sleep(1_500);
        // Three times the lease: only the heartbeat keeps it alive.
        expect(await jobRunAlive(t.db, "job-d")).toBe(true);
      },
      { aliveMs: 500, heartbeatMs: 50 },
    );
    // A run that died mid-work: its row stays, nobody renews it.
    await t.db.execute(sql`insert into job_runs (token, job, alive_until) values ('dead', 'job-d', now() + interval '1 second')`);
    expect(await jobRunAlive(t.db, "job-d")).toBe(true);
    await sleep(1_200);
    expect(await jobRunAlive(t.db, "job-d")).toBe(false);
  });

  it("clears the rows of runs that died long ago when a run starts", async () => {
    await t.db.execute(sql`insert into job_runs (token, job, alive_until) values ('old', 'job-e', now() - interval '2 hours'), ('recent', 'job-e', now() - interval '5 minutes')`);
    await withJobRun(t.db, "job-f", async () => {});
    const left = await t.db.execute<{ token: string }>(sql`select token from job_runs where job = 'job-e'`);
    expect(left.rows.map((r) => r.token)).toEqual(["recent"]);
  });
});
