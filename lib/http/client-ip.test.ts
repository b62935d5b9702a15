import { describe, expect, it } from "vitest";
import { clientIp } from "./client-ip";

const from = (headers: Record<string, string>) => (name: string) => headers[name];

describe("clientIp", () => {
  it("takes the address the nearest proxy appended, not what the client claimed", () => {
    expect(clientIp(from({ "x-forwarded-for": "6.6.6.6, 203.0.113.9" }))).toBe("203.0.113.9");
  });
  it("unwraps IPv4-mapped IPv6", () => {
    expect(clientIp(from({ "x-forwarded-for": "::ffff:127.0.0.1" }))).toBe("127.0.0.1");
  });
  it("accepts IPv6", () => {
    expect(clientIp(from({ "x-forwarded-for": "2001:db8::1" }))).toBe("2001:db8::1");
  });
  it("refuses values that are not addresses", () => {
    expect(clientIp(from({ "x-forwarded-for": "evil\nlog-line" }))).toBe("unknown");
    expect(clientIp(from({}))).toBe("unknown");
  });
});
