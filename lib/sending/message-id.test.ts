import { describe, expect, it } from "vitest";
import { newMessageId } from "./message-id";

describe("newMessageId", () => {
  it("is a version 7 UUID carrying the time it was made, in the order it was made", () => {
    const at = Date.UTC(2026, 10, 27, 1, 2, 3, 456);
    const id = newMessageId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(at);
    const ids = Array.from({ length: 1000 }, (_, i) => newMessageId(at + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => newMessageId(at))).size).toBe(1000);
  });
});
