import { describe, expect, it, vi } from "vitest";
import { AppError, ERROR_CATALOGUE, errorResponse, isDatabaseUnavailable, isRetryableConflict, logUnexpected, statusOf } from "./errors";

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

describe("the error catalogue (a code names its status; a throw site never does)", () => {
  it("gives every code a 4xx or 5xx status, and codes are snake_case", () => {
    const entries = Object.entries(ERROR_CATALOGUE);
    expect(entries.length).toBeGreaterThan(10);
    for (const [code, status] of entries) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(status >= 400 && status <= 599, `${code} → ${status}`).toBe(true);
    }
  });

  it("keeps the codes and statuses the API answers today", () => {
    expect(ERROR_CATALOGUE).toMatchObject({
      invalid_json: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      payload_too_large: 413,
      unsupported_content_type: 415,
      validation_failed: 422,
      rate_limited: 429,
      internal_error: 500,
      database_unavailable: 503,
    });
  });

  it("derives an AppError's status and an error response's status from the code", async () => {
    expect(new AppError("archived", "This endpoint is archived").status).toBe(409);
    expect(statusOf("too_many_rows")).toBe(413);
    const res = errorResponse("not_found", "Campaign not found");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "Campaign not found" } });
  });

  it("refuses an unknown code or a status at compile time", () => {
    // @ts-expect-error: not in the catalogue
    void new AppError("no_such_code", "x");
    // @ts-expect-error: the status follows from the code; a third argument is details, not a status
    void new AppError("conflict", "x", 409);
    // @ts-expect-error: not in the catalogue
    void errorResponse("teapot", "x");
  });

  it("logs an unexpected error under an id and hands back only a generic message naming it", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const driver = new Error('duplicate key value violates unique constraint "contacts_email_key" (email)=(secret@example.com)');
    const shown = logUnexpected("test", driver);
    expect(shown.code).toBe("internal_error");
    expect(shown.message).not.toContain("secret@example.com");
    expect(shown.message).toContain(shown.errorId);
    expect(spy.mock.calls[0].join(" ")).toContain(shown.errorId);
    expect(spy.mock.calls[0]).toContain(driver);
    expect(logUnexpected("test", Object.assign(new Error("x"), { code: "57P01" })).code).toBe("database_unavailable");
    spy.mockRestore();
  });
});
