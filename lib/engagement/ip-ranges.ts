/**
 * IP addresses against lists of networks, fast enough to run on every Open and Click at ingestion:
 * the CIDRs are compiled once into sorted, non-overlapping integer ranges (IPv4 as one number, IPv6 as
 * four 32-bit words) and an address is found by binary search. Compaction (merge, then re-cut into the
 * fewest CIDRs) is for shipping Apple's relay list; it runs offline and may use BigInt.
 */

export type ParsedIp = { family: 4; value: number } | { family: 6; words: [number, number, number, number] };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): number | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || (m[i].length > 1 && m[i][0] === "0")) return null;
    value = value * 256 + octet;
  }
  return value;
}

function parseIpv6(text: string): [number, number, number, number] | null {
  let s = text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) is the last two hextets.
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.indexOf(".", lastColon) > 0) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const h of part.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(h)) return null;
      out.push(parseInt(h, 16));
    }
    return out;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !rest) return null;
  const given = head.length + rest.length;
  let hextets: number[];
  if (halves.length === 2) {
    if (given > 7) return null;
    hextets = [...head, ...new Array<number>(8 - given).fill(0), ...rest];
  } else {
    if (given !== 8) return null;
    hextets = head;
  }
  return [
    hextets[0] * 65536 + hextets[1],
    hextets[2] * 65536 + hextets[3],
    hextets[4] * 65536 + hextets[5],
    hextets[6] * 65536 + hextets[7],
  ];
}

/** An IPv4 or IPv6 address (IPv4-mapped IPv6 counts as IPv4), or null when the text is not one. */
export function parseIp(text: string): ParsedIp | null {
  const t = text.trim();
  if (t.includes(":")) {
    const words = parseIpv6(t.startsWith("[") && t.endsWith("]") ? t.slice(1, -1) : t);
    if (!words) return null;
    if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return { family: 4, value: words[3] };
    return { family: 6, words };
  }
  const value = parseIpv4(t);
  return value === null ? null : { family: 4, value };
}

interface Cidr {
  family: 4 | 6;
  /** First and last address as BigInt (offline work only). */
  first: bigint;
  last: bigint;
}

function toBig(ip: ParsedIp): bigint {
  if (ip.family === 4) return BigInt(ip.value);
  return ip.words.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n);
}

/** `a.b.c.d/n`, `x::/n` or a bare address. Throws on anything else: network lists are code. */
export function parseCidr(text: string): Cidr {
  const [address, bitsText, extra] = text.trim().split("/");
  const ip = parseIp(address);
  const width = ip?.family === 6 ? 128 : 32;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!ip || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > width || (bitsText !== undefined && !/^\d+$/.test(bitsText))) {
    throw new Error(`not a CIDR: ${JSON.stringify(text)}`);
  }
  const hostBits = BigInt(width - bits);
  const first = (toBig(ip) >> hostBits) << hostBits;
  return { family: ip.family, first, last: first + (1n << hostBits) - 1n };
}

/** A compiled set of named networks: `lookup(ip)` is the name of the network holding it, or null. */
export class NetworkSet {
  private readonly v4Start: Float64Array;
  private readonly v4End: Float64Array;
  private readonly v4Name: Uint16Array;
  private readonly v6Start: Uint32Array;
  private readonly v6End: Uint32Array;
  private readonly v6Name: Uint16Array;
  private readonly names: string[];
  readonly size: { v4: number; v6: number };

  /** Networks of different names must not overlap (a rules error, thrown here). */
  constructor(networks: { name: string; cidrs: readonly string[] }[]) {
    this.names = networks.map((n) => n.name);
    const ranges: { family: 4 | 6; first: bigint; last: bigint; name: number }[] = [];
    networks.forEach((n, name) => {
      for (const c of n.cidrs) ranges.push({ ...parseCidr(c), name });
    });
    const merged = (family: 4 | 6) => {
      const list = ranges.filter((r) => r.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
      const out: typeof list = [];
      for (const r of list) {
        const prev = out[out.length - 1];
        if (prev && r.first <= prev.last + 1n) {
          if (r.first <= prev.last && prev.name !== r.name) {
            throw new Error(`networks "${this.names[prev.name]}" and "${this.names[r.name]}" overlap`);
          }
          if (prev.name === r.name) {
            if (r.last > prev.last) prev.last = r.last;
            continue;
          }
        }
        out.push({ ...r });
      }
      return out;
    };
    const v4 = merged(4);
    this.v4Start = Float64Array.from(v4, (r) => Number(r.first));
    this.v4End = Float64Array.from(v4, (r) => Number(r.last));
    this.v4Name = Uint16Array.from(v4, (r) => r.name);
    const v6 = merged(6);
    this.v6Start = new Uint32Array(v6.length * 4);
    this.v6End = new Uint32Array(v6.length * 4);
    v6.forEach((r, i) => {
      for (let w = 0; w < 4; w++) {
        const shift = BigInt(96 - 32 * w);
        this.v6Start[i * 4 + w] = Number((r.first >> shift) & 0xffffffffn);
        this.v6End[i * 4 + w] = Number((r.last >> shift) & 0xffffffffn);
      }
    });
    this.v6Name = Uint16Array.from(v6, (r) => r.name);
    this.size = { v4: v4.length, v6: v6.length };
  }

  lookup(ip: string | ParsedIp | null | undefined): string | null {
    const parsed = typeof ip === "string" ? parseIp(ip) : ip;
    if (!parsed) return null;
    if (parsed.family === 4) {
      const x = parsed.value;
      let lo = 0;
      let hi = this.v4Start.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (this.v4Start[mid] <= x) lo = mid + 1;
        else hi = mid - 1;
      }
      return hi >= 0 && x <= this.v4End[hi] ? this.names[this.v4Name[hi]] : null;
    }
    const w = parsed.words;
    let lo = 0;
    let hi = this.v6Name.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareWords(this.v6Start, mid, w) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && compareWords(this.v6End, hi, w) >= 0 ? this.names[this.v6Name[hi]] : null;
  }
}

/** Sign of (table[i] − address), comparing the four words in order. */
function compareWords(table: Uint32Array, i: number, w: readonly number[]): number {
  const base = i * 4;
  for (let k = 0; k < 4; k++) {
    const d = table[base + k] - w[k];
    if (d !== 0) return d;
  }
  return 0;
}

function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  const hextets = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (≥ 2) of zero hextets becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/**
 * The fewest CIDRs covering exactly the same addresses: overlapping and adjacent networks are merged,
 * then each merged range is cut into the largest aligned blocks. IPv4 first, each family in order.
 */
export function compactCidrs(cidrs: Iterable<string>): string[] {
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    const width = family === 4 ? 32 : 128;
    const list = [...cidrs].map(parseCidr).filter((c) => c.family === family);
    list.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    const merged: { first: bigint; last: bigint }[] = [];
    for (const c of list) {
      const prev = merged[merged.length - 1];
      if (prev && c.first <= prev.last + 1n) {
        if (c.last > prev.last) prev.last = c.last;
      } else merged.push({ first: c.first, last: c.last });
    }
    for (const r of merged) {
      let start = r.first;
      while (start <= r.last) {
        let bits = width;
        // Grow the block while it stays aligned at `start` and inside the range.
        while (bits > 0) {
          const size = 1n << BigInt(width - bits + 1);
          if (start % size !== 0n || start + size - 1n > r.last) break;
          bits--;
        }
        out.push(`${formatAddress(family, start)}/${bits}`);
        start += 1n << BigInt(width - bits);
      }
    }
  }
  return out;
}

/**
 * The prefixes of Apple's `egress-ip-ranges.csv` (`prefix,country,region,city,` per line, no header),
 * compacted. The location columns are dropped: Postline only asks "is this Apple's relay?".
 */
export function compactAppleEgressCsv(csv: string): string[] {
  const prefixes: string[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const first = line.split(",")[0]?.trim();
    if (!first || first.startsWith("#")) continue;
    const address = first.split("/")[0];
    if (!parseIp(address)) continue; // a header or a damaged line
    prefixes.push(first);
  }
  return compactCidrs(prefixes);
}
