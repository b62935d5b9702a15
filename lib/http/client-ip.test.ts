import { describe, expect, it } from "vitest";
import { clientIp, forwardingTrust } from "./client-ip";

const from = (headers: Record<string, string>) => (name: string) => headers[name];
const direct = forwardingTrust({ proxies: [], vercel: false });

describe("clientIp", () => {
  it("with no trusted proxy, takes the address that reached the app, never what the client claimed", () => {
    // The nearest hop's entry is last: `next start` writes the socket's address when the client sent no
    // header, and the launcher's preload appends it to any header the client did send.
    expect(clientIp(from({ "x-forwarded-for": "6.6.6.6, 203.0.113.9" }), direct)).toBe("203.0.113.9");
    expect(clientIp(from({ "x-forwarded-for": "203.0.113.9" }), direct)).toBe("203.0.113.9");
  });

  it("believes X-Forwarded-For only as far as the hops are trusted proxies", () => {
    const behindProxies = forwardingTrust({ proxies: ["10.0.0.0/8", "192.0.2.7"], vercel: false });
    // client → proxy 192.0.2.7 → proxy 10.1.2.3 → app
    expect(clientIp(from({ "x-forwarded-for": "6.6.6.6, 198.51.100.4, 192.0.2.7, 10.1.2.3" }), behindProxies)).toBe("198.51.100.4");
    // A client that reaches the app directly (not through a trusted proxy) cannot choose its address.
    expect(clientIp(from({ "x-forwarded-for": "10.9.9.9, 198.51.100.5" }), behindProxies)).toBe("198.51.100.5");
    // Every hop trusted: the first one's peer is the client.
    expect(clientIp(from({ "x-forwarded-for": "10.0.0.5, 10.0.0.6" }), behindProxies)).toBe("10.0.0.5");
  });

  it("never believes x-real-ip off Vercel: any client can send it", () => {
    expect(clientIp(from({ "x-real-ip": "1.2.3.4", "x-forwarded-for": "203.0.113.9" }), direct)).toBe("203.0.113.9");
    expect(clientIp(from({ "x-real-ip": "1.2.3.4" }), direct)).toBe("unknown");
  });

  it("on Vercel, reads the header Vercel sets, not what the client sent", () => {
    const vercel = forwardingTrust({ proxies: [], vercel: true });
    expect(clientIp(from({ "x-vercel-forwarded-for": "198.51.100.8", "x-forwarded-for": "6.6.6.6" }), vercel)).toBe("198.51.100.8");
    expect(clientIp(from({ "x-real-ip": "198.51.100.9", "x-forwarded-for": "6.6.6.6" }), vercel)).toBe("198.51.100.9");
  });

  it("unwraps IPv4-mapped IPv6 (also when matching proxies) and accepts IPv6", () => {
    expect(clientIp(from({ "x-forwarded-for": "::ffff:127.0.0.1" }), direct)).toBe("127.0.0.1");
    expect(clientIp(from({ "x-forwarded-for": "2001:db8::1" }), direct)).toBe("2001:db8::1");
    const loopbackProxy = forwardingTrust({ proxies: ["127.0.0.1", "::1"], vercel: false });
    expect(clientIp(from({ "x-forwarded-for": "198.51.100.4, ::ffff:127.0.0.1" }), loopbackProxy)).toBe("198.51.100.4");
    expect(clientIp(from({ "x-forwarded-for": "2001:db8::2, ::1" }), loopbackProxy)).toBe("2001:db8::2");
  });

  it("refuses values that are not addresses, and does not walk past one", () => {
    expect(clientIp(from({ "x-forwarded-for": "evil\nlog-line" }), direct)).toBe("unknown");
    expect(clientIp(from({}), direct)).toBe("unknown");
    const behindProxy = forwardingTrust({ proxies: ["10.0.0.1"], vercel: false });
    expect(clientIp(from({ "x-forwarded-for": "198.51.100.4, <script>, 10.0.0.1" }), behindProxy)).toBe("unknown");
  });
});
