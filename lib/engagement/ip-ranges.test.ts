import { describe, expect, it } from "vitest";
import { APPLE_RELAY_SNAPSHOT } from "./apple-relay-ranges";
import { renderAppleRelayModule } from "./apple-relay-refresh";
import { compileRules } from "./classify";
import { compactAppleEgressCsv, compactCidrs, NetworkSet, parseCidr, parseIp } from "./ip-ranges";
import { ENGAGEMENT_RULES } from "./rules";

describe("parseIp", () => {
  it.each([
    ["192.0.2.1", { family: 4, value: 0xc0000201 }],
    ["0.0.0.0", { family: 4, value: 0 }],
    ["255.255.255.255", { family: 4, value: 0xffffffff }],
    ["::ffff:192.0.2.1", { family: 4, value: 0xc0000201 }],
    ["::", { family: 6, words: [0, 0, 0, 0] }],
    ["::1", { family: 6, words: [0, 0, 0, 1] }],
    ["2001:db8::8:800:200c:417a", { family: 6, words: [0x20010db8, 0, 0x00080800, 0x200c417a] }],
    ["2001:DB8:0:0:0:0:0:1", { family: 6, words: [0x20010db8, 0, 0, 1] }],
    ["fe80::1%eth0", { family: 6, words: [0xfe800000, 0, 0, 1] }],
    ["64:ff9b::192.0.2.33", { family: 6, words: [0x0064ff9b, 0, 0, 0xc0000221] }],
  ])("%s", (text, expected) => expect(parseIp(text)).toEqual(expected));

  it.each(["", "1.2.3", "1.2.3.256", "01.2.3.4", "1.2.3.4.5", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "example.com"])("rejects %j", (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe("NetworkSet", () => {
  const set = new NetworkSet([
    { name: "a", cidrs: ["10.0.0.0/8", "192.0.2.0/25", "192.0.2.128/25", "2001:db8::/32"] },
    { name: "b", cidrs: ["198.51.100.7", "2001:db9:1::/48", "203.0.113.0/24"] },
  ]);

  it.each([
    ["10.0.0.0", "a"],
    ["10.255.255.255", "a"],
    ["11.0.0.0", null],
    ["9.255.255.255", null],
    ["192.0.2.200", "a"],
    ["198.51.100.7", "b"],
    ["198.51.100.8", null],
    ["203.0.113.255", "b"],
    ["0.0.0.0", null],
    ["255.255.255.255", null],
    ["2001:db8::", "a"],
    ["2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "a"],
    ["2001:db9::1", null],
    ["2001:db9:1:ffff::1", "b"],
    ["2001:db9:2::", null],
    ["::", null],
    ["::ffff:10.1.2.3", "a"],
    ["not an address", null],
  ])("%s → %s", (ip, name) => expect(set.lookup(ip)).toBe(name));

  it("merges adjacent ranges of one name", () => expect(set.size).toEqual({ v4: 4, v6: 2 }));

  it("refuses overlapping networks of different names (a rules error)", () => {
    expect(() => new NetworkSet([{ name: "x", cidrs: ["10.0.0.0/8"] }, { name: "y", cidrs: ["10.1.0.0/16"] }])).toThrow(/overlap/);
  });

  it("agrees with a plain comparison on many addresses", () => {
    const cidrs = ["10.0.0.0/8", "172.16.0.0/12", "192.168.1.0/24", "100.64.0.0/10", "8.8.8.8/32"];
    const big = new NetworkSet([{ name: "n", cidrs }]);
    const ranges = cidrs.map(parseCidr);
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const ip = [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join(".");
      const v = BigInt(x);
      expect(big.lookup(ip) !== null, ip).toBe(ranges.some((r) => v >= r.first && v <= r.last));
    }
  });

  it("the shipped rules compile, and the Apple snapshot says where it is from and when", () => {
    const compiled = compileRules(ENGAGEMENT_RULES);
    expect(compiled.networks.lookup("104.28.85.110")).toBe("apple-relay");
    expect(compiled.networks.lookup("209.222.82.17")).toBe("barracuda");
    expect(APPLE_RELAY_SNAPSHOT.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(APPLE_RELAY_SNAPSHOT.source).toContain("egress-ip-ranges.csv");
  });
});

describe("compaction", () => {
  it("merges overlapping and adjacent networks into the fewest CIDRs", () => {
    expect(compactCidrs(["192.0.2.0/25", "192.0.2.128/26", "192.0.2.192/26", "192.0.2.7/32", "10.0.0.1", "10.0.0.2/31", "10.0.0.0/32"])).toEqual([
      "10.0.0.0/30",
      "192.0.2.0/24",
    ]);
    expect(compactCidrs(["10.0.0.1/32", "10.0.0.2/32"])).toEqual(["10.0.0.1/32", "10.0.0.2/32"]);
    expect(compactCidrs(["2a02:26f7:b3c0:4000::/64", "2a02:26f7:b3c0:4001::/64", "2a02:26f7:b3c0:4002::/63", "2001:db8::1/128"])).toEqual([
      "2001:db8::1/128",
      "2a02:26f7:b3c0:4000::/62",
    ]);
  });

  // The shape of Apple's file: prefix,country,region,city, — no header, IPv4 and IPv6 mixed.
  const csv = [
    "172.224.226.0/27,GB,GB-EN,London,",
    "172.224.226.32/27,GB,GB-EN,London,",
    "172.224.226.64/26,GB,GB-EN,Manchester,",
    "104.28.85.96/28,US,US-CA,Los Angeles,",
    "",
    "2a02:26f7:b3c0:4000::/64,US,US-CA,San Jose,",
    "2a02:26f7:b3c0:4001::/64,US,US-CA,San Jose,",
    "not,a,prefix,,",
  ].join("\r\n");

  it("reads Apple's CSV and drops the locations", () => {
    expect(compactAppleEgressCsv(csv)).toEqual(["104.28.85.96/28", "172.224.226.0/25", "2a02:26f7:b3c0:4000::/63"]);
  });

  it("renders the snapshot module, refusing a list too small to be Apple's", () => {
    const { text, cidrs } = renderAppleRelayModule(csv, { asOf: "2026-11-03", minimumPrefixes: 1 });
    expect(cidrs).toHaveLength(3);
    expect(text).toContain('asOf: "2026-11-03"');
    expect(text).toContain('    "172.224.226.0/25",');
    expect(text).toContain("https://mask-api.icloud.com/egress-ip-ranges.csv");
    expect(() => renderAppleRelayModule(csv, { asOf: "2026-11-03" })).toThrow(/only 3 prefixes/);
  });
});
