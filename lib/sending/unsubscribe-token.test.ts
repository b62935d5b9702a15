import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { respelled } from "@/lib/tooling/testing/base64url";
import { createUnsubscribeToken, unsubscribeKey, verifyUnsubscribeToken } from "./unsubscribe-token";

describe("unsubscribe tokens", () => {
  const key = unsubscribeKey("a".repeat(32));

  it("round-trips a message id", () => {
    const id = randomUUID();
    const token = createUnsubscribeToken(key, id);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyUnsubscribeToken(key, token)).toBe(id);
  });

  it("refuses a forged MAC, another key, another message and garbage", () => {
    const id = randomUUID();
    const token = createUnsubscribeToken(key, id);
    const [idPart] = token.split(".");
    expect(verifyUnsubscribeToken(key, `${idPart}.AAAAAAAAAAAAAAAAAAAAAA`)).toBeNull();
    expect(verifyUnsubscribeToken(unsubscribeKey("b".repeat(32)), token)).toBeNull();
    const other = createUnsubscribeToken(key, randomUUID());
    expect(verifyUnsubscribeToken(key, `${idPart}.${other.split(".")[1]}`)).toBeNull();
    for (const bad of ["", ".", "abc", "a.b.c", "x".repeat(500), "../../etc/passwd"]) expect(verifyUnsubscribeToken(key, bad)).toBeNull();
  });

  it("takes a token only as it was written: another spelling that decodes to the same bytes is refused", () => {
    const id = randomUUID();
    const token = createUnsubscribeToken(key, id);
    const [idPart, macPart] = token.split(".");
    expect(Buffer.from(respelled(macPart), "base64url")).toEqual(Buffer.from(macPart, "base64url"));
    expect(verifyUnsubscribeToken(key, `${idPart}.${respelled(macPart)}`)).toBeNull();
    expect(verifyUnsubscribeToken(key, `${respelled(idPart)}.${macPart}`)).toBeNull();
    expect(verifyUnsubscribeToken(key, `${idPart}.${macPart.slice(0, 5)}*${macPart.slice(5)}`)).toBeNull();
  });
});
