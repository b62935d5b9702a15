import dns from "node:dns";
import net from "node:net";
import { AppError } from "@/lib/errors";

/**
 * Where outbound webhooks may connect. A callback URL is checked when it is saved and again at
 * connect time: the hostname is resolved, every address must be public (or explicitly allowed), and
 * the connection goes to the address that was checked (a custom `lookup`), so a DNS answer that
 * changes between the check and the connect (rebinding) cannot point us at an internal service.
 */

export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link_local"
  | "cgnat"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "reserved";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const rows = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return rows.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

// Cloud metadata services: blocked even when the allow list would admit their range.
const METADATA_V4 = new Set(["169.254.169.254", "169.254.170.2", "169.254.170.23", "100.100.100.200", "168.63.129.16", "192.0.0.192"]);
const METADATA_V6 = new Set(["fd00:ec2::254", "fd00:ec2::23"].map((a) => ipv6ToBigInt(a)!.toString()));

/**
 * Parses IPv4 the way inet_aton and URL parsers do: one to four parts, each decimal, octal (leading
 * 0) or hex (0x), the last part filling the remaining bytes. So 2130706433, 0x7f.1 and 0177.0.0.1 are
 * all 127.0.0.1. Returns the address as a 32-bit number, or null.
 */
export function parseIPv4Loose(text: string): number | null {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4 || parts.some((p) => p === "")) return null;
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0x[0-9a-f]*$/i.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) v = parseInt(p, 8);
    else if (/^(0|[1-9][0-9]*)$/.test(p)) v = parseInt(p, 10);
    else return null;
    if (!Number.isFinite(v)) return null;
    values.push(v);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return null;
  if (last >= 256 ** (4 - values.length)) return null;
  let n = 0;
  for (const v of values) n = n * 256 + v;
  return n * 256 ** (4 - values.length) + last;
}

function v4ToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function ipv6ToBigInt(text: string): bigint | null {
  let s = text.trim().toLowerCase();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!net.isIPv6(s)) return null;
  // An embedded dotted IPv4 tail becomes two hextets.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseIPv4Loose(dotted[1]);
    if (v4 === null) return null;
    s = s.slice(0, -dotted[1].length) + `${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined ? (tail ? tail.split(":") : []) : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g || "0", 16));
  return n;
}

function inV4(n: number, base: string, bits: number): boolean {
  const b = parseIPv4Loose(base)!;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((n & mask) >>> 0) === ((b & mask) >>> 0);
}

function inV6(n: bigint, base: string, bits: number): boolean {
  const b = ipv6ToBigInt(base)!;
  const shift = BigInt(128 - bits);
  return n >> shift === b >> shift;
}

export function classifyIPv4(n: number): AddressClass {
  if (METADATA_V4.has(v4ToString(n))) return "metadata";
  if (inV4(n, "0.0.0.0", 8)) return "unspecified";
  if (inV4(n, "127.0.0.0", 8)) return "loopback";
  if (inV4(n, "10.0.0.0", 8) || inV4(n, "172.16.0.0", 12) || inV4(n, "192.168.0.0", 16)) return "private";
  if (inV4(n, "169.254.0.0", 16)) return "link_local";
  if (inV4(n, "100.64.0.0", 10)) return "cgnat";
  if (inV4(n, "224.0.0.0", 4)) return "multicast";
  // IETF protocol assignments, documentation, benchmarking, 6to4 relay, reserved and broadcast.
  if (
    inV4(n, "192.0.0.0", 24) ||
    inV4(n, "192.0.2.0", 24) ||
    inV4(n, "198.18.0.0", 15) ||
    inV4(n, "198.51.100.0", 24) ||
    inV4(n, "203.0.113.0", 24) ||
    inV4(n, "192.88.99.0", 24) ||
    inV4(n, "240.0.0.0", 4)
  ) {
    return "reserved";
  }
  return "public";
}

export function classifyIPv6(n: bigint): AddressClass {
  if (METADATA_V6.has(n.toString())) return "metadata";
  if (n === 0n) return "unspecified";
  if (n === 1n) return "loopback";
  // Forms that carry an IPv4 address inside are judged by that address.
  if (inV6(n, "::ffff:0:0", 96) || inV6(n, "64:ff9b::", 96) || inV6(n, "::", 96)) return classifyIPv4(Number(n & 0xffffffffn));
  if (inV6(n, "::ffff:0:0:0", 96)) return classifyIPv4(Number(n & 0xffffffffn));
  if (inV6(n, "2002::", 16)) return classifyIPv4(Number((n >> 80n) & 0xffffffffn));
  if (inV6(n, "fc00::", 7)) return "private";
  if (inV6(n, "fe80::", 10)) return "link_local";
  if (inV6(n, "fec0::", 10)) return "private";
  if (inV6(n, "ff00::", 8)) return "multicast";
  if (inV6(n, "64:ff9b:1::", 48) || inV6(n, "100::", 64) || inV6(n, "2001:db8::", 32) || inV6(n, "2001::", 23)) return "reserved";
  return "public";
}

/** The class of an IP address in any textual form (dotted, decimal, octal, hex, IPv6, IPv4-mapped). */
export function classifyAddress(text: string): AddressClass | null {
  const v4 = net.isIPv4(text) || /^[0-9a-fx.]+$/i.test(text) ? parseIPv4Loose(text) : null;
  if (v4 !== null) return classifyIPv4(v4);
  const v6 = ipv6ToBigInt(text);
  if (v6 !== null) return classifyIPv6(v6);
  return null;
}

/** The canonical text of an IP literal (any form), or null when `host` is a name. */
export function canonicalIp(host: string): { address: string; family: 4 | 6 } | null {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const v4 = /^[0-9a-fx.]+$/i.test(bare) ? parseIPv4Loose(bare) : null;
  if (v4 !== null) return { address: v4ToString(v4), family: 4 };
  if (net.isIPv6(bare.split("%")[0])) return { address: bare.toLowerCase(), family: 6 };
  return null;
}

interface AllowEntry {
  host?: string;
  v4?: { base: number; bits: number };
  v6?: { base: bigint; bits: number };
}

/** Parses ALLOW_PRIVATE_WEBHOOK_URLS entries: hostnames, IPs and CIDRs. */
export function parseAllowList(entries: string[]): AllowEntry[] {
  const out: AllowEntry[] = [];
  for (const raw of entries.map((e) => e.trim()).filter(Boolean)) {
    const [addr, bitsText] = raw.split("/");
    const v4 = /^[0-9.]+$/.test(addr) ? parseIPv4Loose(addr) : null;
    if (v4 !== null) {
      out.push({ v4: { base: v4, bits: bitsText ? Number(bitsText) : 32 } });
      continue;
    }
    const v6 = ipv6ToBigInt(addr);
    if (v6 !== null) {
      out.push({ v6: { base: v6, bits: bitsText ? Number(bitsText) : 128 } });
      continue;
    }
    out.push({ host: raw.toLowerCase().replace(/\.$/, "") });
  }
  return out;
}

function allowedByList(hostname: string, address: string, list: AllowEntry[]): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  const v4 = net.isIPv4(address) ? parseIPv4Loose(address) : null;
  const v6 = v4 === null ? ipv6ToBigInt(address) : null;
  // An IPv4-mapped IPv6 address matches IPv4 entries too.
  const mapped = v6 !== null && inV6(v6, "::ffff:0:0", 96) ? Number(v6 & 0xffffffffn) : null;
  for (const e of list) {
    if (e.host && e.host === host) return true;
    const n = v4 ?? mapped;
    if (e.v4 && n !== null) {
      const mask = e.v4.bits === 0 ? 0 : (0xffffffff << (32 - e.v4.bits)) >>> 0;
      if (((n & mask) >>> 0) === ((e.v4.base & mask) >>> 0)) return true;
    }
    if (e.v6 && v6 !== null) {
      const shift = BigInt(128 - e.v6.bits);
      if (v6 >> shift === e.v6.base >> shift) return true;
    }
  }
  return false;
}

export interface AddressPolicy {
  allowList: AllowEntry[];
  resolve: Resolver;
}

export function createAddressPolicy(allowPrivate: string[], resolve: Resolver = systemResolver): AddressPolicy {
  return { allowList: parseAllowList(allowPrivate), resolve };
}

export type AddressVerdict = { ok: true; cls: AddressClass } | { ok: false; cls: AddressClass; reason: string };

/** Whether one resolved address may be connected to for `hostname`. */
export function judgeAddress(policy: AddressPolicy, { hostname, address }: { hostname: string; address: string }): AddressVerdict {
  const cls = classifyAddress(address) ?? "reserved";
  if (cls === "public") return { ok: true, cls };
  if (cls === "metadata") return { ok: false, cls, reason: `${address} is a cloud metadata address` };
  if (allowedByList(hostname, address, policy.allowList)) return { ok: true, cls };
  return { ok: false, cls, reason: `${address} is a ${cls.replace("_", "-")} address` };
}

export class RefusedAddressError extends AppError {
  constructor(message: string) {
    super("url_refused", message);
  }
}

/**
 * Resolves a hostname (or reads an IP literal) and checks every address it has. Refuses the whole
 * name if any address is refused: the resolver may hand out any of them.
 */
export async function resolveAllowed(policy: AddressPolicy, hostname: string): Promise<ResolvedAddress[]> {
  const literal = canonicalIp(hostname);
  const addresses = literal ? [literal] : await policy.resolve(hostname).catch((error: NodeJS.ErrnoException) => {
    throw new AppError("url_unresolvable", `${hostname} does not resolve (${error.code ?? error.message})`);
  });
  if (addresses.length === 0) throw new AppError("url_unresolvable", `${hostname} has no addresses`);
  for (const a of addresses) {
    const verdict = judgeAddress(policy, { hostname, address: a.address });
    if (!verdict.ok) {
      // Metadata addresses are never allowed; any other refused class can be, for local development.
      const hint = verdict.cls === "metadata" ? "" : `. For local development, list it in ALLOW_PRIVATE_WEBHOOK_URLS (a host, IP or CIDR)`;
      throw new RefusedAddressError(`Refused: ${hostname} resolves to ${verdict.reason}${hint}`);
    }
  }
  return addresses;
}

/** Checks a callback URL's form and target. Returns the normalized URL. */
export async function checkCallbackUrl(policy: AddressPolicy, input: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new AppError("invalid_url", "The url is not a valid absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new AppError("invalid_url", "The url must use https (or http)");
  if (url.username || url.password) throw new AppError("invalid_url", "Credentials in the url are not allowed; verify requests with the signature instead");
  if (url.hash) url.hash = "";
  await resolveAllowed(policy, url.hostname);
  return url.toString();
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http/https: resolves, checks, and hands the checked address to the socket, so
 * the address connected to is the one that passed the check. `onAddress` reports it for the log.
 */
export function guardedLookup(policy: AddressPolicy, onAddress?: (address: string) => void) {
  return (hostname: string, options: dns.LookupOptions | number | LookupCallback, maybeCallback?: LookupCallback) => {
    const callback = (typeof options === "function" ? options : maybeCallback)!;
    const all = typeof options === "object" && options !== null && Boolean(options.all);
    resolveAllowed(policy, hostname).then(
      (addresses) => {
        onAddress?.(addresses[0].address);
        if (all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => {
        const e = Object.assign(new Error(error.message), { code: error instanceof RefusedAddressError ? "EREFUSEDADDRESS" : "ENOTFOUND" });
        callback(e, "", 4);
      },
    );
  };
}
