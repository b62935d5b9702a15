import { BlockList, isIP } from "node:net";

/** Whom the app believes about the client's address: see clientIp. */
export interface ForwardingTrust {
  vercel: boolean;
  isTrustedProxy(ip: string): boolean;
}

/**
 * `proxies` are IPs and CIDRs (TRUSTED_PROXIES, validated in lib/env.ts); `vercel` says Vercel's edge
 * sits in front (VERCEL), which sets the client's address in headers a client cannot forge.
 */
export function forwardingTrust(input: { proxies: string[]; vercel: boolean }): ForwardingTrust {
  const list = new BlockList();
  for (const entry of input.proxies) {
    const [address, bits] = entry.split("/");
    const type = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return { vercel: input.vercel, isTrustedProxy: (ip) => list.check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4") };
}

/** An address as written in a header, IPv4-mapped IPv6 unwrapped; null when it is not an address. */
function address(raw: string | null | undefined): string | null {
  const value = raw?.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  return value && isIP(value) ? value : null;
}

/**
 * The caller's address, believing forwarded headers only as far as they were written by someone trusted.
 *
 * On Vercel, its edge overwrites `x-vercel-forwarded-for` and `x-real-ip` with the client's address.
 * Elsewhere the last X-Forwarded-For entry is the address that reached the app: `next start` writes the
 * socket's address when the client sent no header, and the launcher's preload
 * (lib/local/launcher/forwarded-for.cjs) appends it to any header the client did send, as a proxy does.
 * Walking left from there, an entry is believed only while the hop that wrote it is a trusted proxy
 * (TRUSTED_PROXIES): the first address that is not one is the client. So whatever a client writes
 * itself never decides a rate-limit key, an allowlist check or a security record. Non-IP values stop
 * the walk ("unknown"), so a forged header cannot inject text into logs or keys.
 */
export function clientIp(header: (name: string) => string | null | undefined, trust: ForwardingTrust): string {
  if (trust.vercel) return address(header("x-vercel-forwarded-for")?.split(",")[0]) ?? address(header("x-real-ip")) ?? "unknown";
  const hops = (header("x-forwarded-for") ?? "").split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = address(hops[i]);
    if (hop === null) return "unknown";
    if (i === 0 || !trust.isTrustedProxy(hop)) return hop;
  }
  return "unknown";
}
