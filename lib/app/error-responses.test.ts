/** toErrorResponse: what a route answers for each kind of failure, and what it never shows. */
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { toErrorResponse } from "./api-route";

describe("toErrorResponse", () => {
  it("answers an AppError with its code, its catalogued status and its message", async () => {
    const res = toErrorResponse(new AppError("run_in_progress", "Another run is in progress"));
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: "run_in_progress", message: "Another run is in progress" } });
  });

  it("answers a schema failure 422 validation_failed", async () => {
    const parsed = z.object({ name: z.string() }).safeParse({});
    const res = toErrorResponse(parsed.error);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("validation_failed");
  });

  it("answers an unknown error 500 internal_error without its message, stack or driver details", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const error = Object.assign(new Error('invalid input syntax for type uuid: "------------------------------------"'), { code: "22P02", detail: "secret-param" });
    const res = toErrorResponse(new Error("Failed query: select * from campaigns where id = $1\nparams: secret-param", { cause: error }));
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text).error.code).toBe("internal_error");
    expect(text).not.toMatch(/secret-param|select|uuid|22P02|stack|at /i);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it("answers an unreachable database 503 database_unavailable, without the driver's text", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = toErrorResponse(Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:5432"), { code: "ECONNREFUSED" }));
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text).error.code).toBe("database_unavailable");
    expect(text).not.toContain("10.0.0.7");
    spy.mockRestore();
  });
});
