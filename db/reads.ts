import type { Db } from "./index";

/**
 * Reads that may lag a little: the heavy ones (CSV exports, campaign analytics, segment counts, the
 * event log API) go to a streaming replica when DATABASE_REPLICA_URL is set, and to the primary when
 * it is not, when the replica is down, or when it lags more than the bound. Everything else (a read
 * that must see its own write, read-modify-write, anything in a transaction, the freeze, sending)
 * keeps using the primary `Db`: a caller asks for `reads` explicitly, there is no global switch.
 *
 * The replica's state is measured at most every `checkEveryMs` (two small queries, one on each
 * server), never per read.
 */
export interface Reads {
  /**
   * Runs `fn` on the replica when it is usable, else on the primary. A replica that fails under it
   * (it went down, or a recovery conflict cancelled the query) is marked down and `fn` runs again on
   * the primary: these reads have no side effects, so running one twice is harmless.
   */
  run<T>(fn: (db: Db, source: ReadSource) => Promise<T>): Promise<ReadResult<T>>;
  /** How many runs each server answered since start (tests and diagnostics). */
  readonly served: { primary: number; replica: number };
}

export interface ReadSource {
  from: "primary" | "replica";
  /**
   * Every transaction the primary committed before this moment (the primary's clock) is visible on
   * this server; null on the primary, where all is. The event log holds back from it, not from now().
   */
  horizon: Date | null;
}

export interface ReadResult<T> extends ReadSource {
  value: T;
  /** Set when the replica that answered is noticeably behind: the figures are as of this moment. */
  asOf: Date | null;
}

export interface ReadsOptions {
  /** Beyond this lag the primary answers instead. */
  maxLagMs: number;
  /** How long one measurement of the replica is trusted. Default 2 s. */
  checkEveryMs?: number;
  /** From this lag on, a page read from the replica says "figures as of". Default 1 s. */
  noticeLagMs?: number;
  /** A measurement not answered within this counts as the replica down (it must not hold reads up). Default 1.5 s. */
  measureTimeoutMs?: number;
  log?: (message: string) => void;
}

/** What one measurement found. `usable` false: the primary answers until the next measurement. */
interface ReplicaState {
  usable: boolean;
  measuredAt: number;
  horizon: Date | null;
  lagMs: number;
}

/** Reads without a replica: everything on the primary. */
export function primaryReads(primary: Db): Reads {
  const served = { primary: 0, replica: 0 };
  return {
    served,
    async run(fn) {
      served.primary++;
      const source: ReadSource = { from: "primary", horizon: null };
      return { ...source, asOf: null, value: await fn(primary, source) };
    },
  };
}

/** Errors after which the same read is worth running on the primary: the replica's, not the query's. */
export function isReplicaFailure(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || code === "40001") return true;
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EPIPE"].includes(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e?.message ?? "");
}

export function createReads(primary: Db, replica: Db, options: ReadsOptions): Reads {
  const checkEveryMs = options.checkEveryMs ?? 2000;
  const noticeLagMs = options.noticeLagMs ?? 1000;
  const measureTimeoutMs = options.measureTimeoutMs ?? 1500;
  const log = options.log ?? (() => {});
  const served = { primary: 0, replica: 0 };
  let state: ReplicaState | null = null;
  let measuring: Promise<ReplicaState> | null = null;
  let lastReason = "";

  const unusable = (reason: string): ReplicaState => {
    if (reason !== lastReason) log(`reads go to the primary: ${reason}`);
    lastReason = reason;
    return { usable: false, measuredAt: Date.now(), horizon: null, lagMs: Infinity };
  };

  /**
   * The primary's WAL position first, then whether the replica has replayed up to it: if it has,
   * everything committed before that moment is there. If not, the lag is the age of the last
   * transaction it replayed (pg_last_xact_replay_timestamp, the primary's commit time).
   */
  async function measure(): Promise<ReplicaState> {
    let p: { lsn: string; at: Date };
    try {
      [p] = (await primary.$client.query<{ lsn: string; at: Date }>("select pg_current_wal_lsn()::text as lsn, clock_timestamp() as at")).rows;
    } catch {
      // The read would fail on the primary too; the replica is not what is wrong. Measure again next time.
      return { usable: false, measuredAt: 0, horizon: null, lagMs: Infinity };
    }
    try {
      const [r] = (
        await replica.$client.query<{ recovering: boolean; caught_up: boolean | null; replayed_at: Date | null }>(
          "select pg_is_in_recovery() as recovering, pg_last_wal_replay_lsn() >= $1::pg_lsn as caught_up, pg_last_xact_replay_timestamp() as replayed_at",
          [p.lsn],
        )
      ).rows;
      if (!r.recovering) return unusable("DATABASE_REPLICA_URL is not a standby in recovery (promoted, or a primary)");
      if (r.caught_up) return ok({ horizon: p.at, lagMs: 0 });
      if (!r.replayed_at) return unusable("the replica has not replayed a transaction yet, its lag is unknown");
      const lagMs = Math.max(0, p.at.getTime() - r.replayed_at.getTime());
      if (lagMs > options.maxLagMs) return unusable(`the replica lags ${Math.round(lagMs / 1000)} s (more than ${Math.round(options.maxLagMs / 1000)} s)`);
      return ok({ horizon: r.replayed_at, lagMs });
    } catch (error) {
      return unusable(`the replica does not answer (${(error as Error).message})`);
    }
  }

  function ok(found: { horizon: Date; lagMs: number }): ReplicaState {
    if (lastReason) log("reads go to the replica again");
    lastReason = "";
    return { usable: true, measuredAt: Date.now(), ...found };
  }

  /** A replica that accepts the connection but never answers counts as down, so reads never wait on it. */
  function measureInTime(): Promise<ReplicaState> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ReplicaState>((resolve) => {
      timer = setTimeout(() => resolve(unusable(`the replica did not answer within ${measureTimeoutMs} ms`)), measureTimeoutMs);
    });
    return Promise.race([measure(), late]).finally(() => clearTimeout(timer));
  }

  async function current(): Promise<ReplicaState> {
    if (state && Date.now() - state.measuredAt < checkEveryMs) return state;
    measuring ??= measureInTime().then((s) => {
      state = s;
      measuring = null;
      return s;
    });
    return measuring;
  }

  async function onPrimary<T>(fn: (db: Db, source: ReadSource) => Promise<T>): Promise<ReadResult<T>> {
    served.primary++;
    const source: ReadSource = { from: "primary", horizon: null };
    return { ...source, asOf: null, value: await fn(primary, source) };
  }

  return {
    served,
    async run(fn) {
      const s = await current();
      if (!s.usable || !s.horizon) return onPrimary(fn);
      const source: ReadSource = { from: "replica", horizon: s.horizon };
      try {
        const value = await fn(replica, source);
        served.replica++;
        return { ...source, asOf: s.lagMs >= noticeLagMs ? s.horizon : null, value };
      } catch (error) {
        if (!isReplicaFailure(error)) throw error;
        // Down until the next measurement says otherwise, so the reads after this one do not try it.
        state = unusable(`the replica failed a read (${(error as Error).message})`);
        return onPrimary(fn);
      }
    },
  };
}
