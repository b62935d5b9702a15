import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, isRetryableConflict } from "./errors";

describe("isDatabaseUnavailable (what becomes a 503 rather than a 500)", () => {
  it("recognises PostgreSQL shutdown codes and socket errors, also when wrapped by drizzle", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Failed query: select 1", { cause: new Error("timeout exceeded when trying to connect") }))).toBe(true);
  });

  it("recognises the failed ROLLBACK on a client whose connection broke mid-transaction", () => {
    const cause = new Error("Client has encountered a connection error and is not queryable");
    expect(isDatabaseUnavailable(new Error("Failed query: rollback", { cause }))).toBe(true);
  });

  it("does not excuse real errors", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(new Error("invalid input syntax for type json"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe("isRetryableConflict (what ingestion runs again)", () => {
  it("is a deadlock or serialization failure, bare or wrapped by drizzle; nothing else", () => {
    const deadlock = Object.assign(new Error("deadlock detected"), { code: "40P01" });
    expect(isRetryableConflict(deadlock)).toBe(true);
    expect(isRetryableConflict(new Error("Failed query", { cause: Object.assign(new Error("could not serialize"), { code: "40001" }) }))).toBe(true);
    expect(isRetryableConflict(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isRetryableConflict(new Error("Failed query", { cause: new Error("no code") }))).toBe(false);
  });
});
