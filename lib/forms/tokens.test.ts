import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { respelled } from "@/lib/tooling/testing/base64url";
import { createConfirmToken, createFillStamp, formsKey, verifyConfirmToken, verifyFillStamp } from "./tokens";

describe("form tokens", () => {
  const key = formsKey("a".repeat(32));

  it("round-trip: a confirmation token gives its signup id, a fill stamp its time for its own form only", () => {
    const id = randomUUID();
    expect(verifyConfirmToken(key, createConfirmToken(key, id))).toBe(id);
    const form = randomUUID();
    const at = new Date("2026-11-27T08:00:00.123Z");
    expect(verifyFillStamp(key, form, createFillStamp(key, form, at))).toEqual(at);
    expect(verifyFillStamp(key, randomUUID(), createFillStamp(key, form, at))).toBeNull();
    expect(verifyConfirmToken(formsKey("b".repeat(32)), createConfirmToken(key, id))).toBeNull();
  });

  it("takes a token only as it was written: another spelling of the same bytes, or a stray character, is refused", () => {
    const token = createConfirmToken(key, randomUUID());
    const [idPart, macPart] = token.split(".");
    expect(Buffer.from(respelled(macPart), "base64url")).toEqual(Buffer.from(macPart, "base64url"));
    expect(verifyConfirmToken(key, `${idPart}.${respelled(macPart)}`)).toBeNull();
    expect(verifyConfirmToken(key, `${respelled(idPart)}.${macPart}`)).toBeNull();
    expect(verifyConfirmToken(key, `${idPart}.${macPart.slice(0, 3)}~${macPart.slice(3)}`)).toBeNull();
    const form = randomUUID();
    const [ms, stampMac] = createFillStamp(key, form, new Date()).split(".");
    expect(verifyFillStamp(key, form, `${ms}.${respelled(stampMac)}`)).toBeNull();
  });
});
