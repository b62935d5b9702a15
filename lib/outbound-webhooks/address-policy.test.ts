import { describe, expect, it } from "vitest";
import { checkCallbackUrl, classifyAddress, createAddressPolicy, judgeAddress, parseIPv4Loose, resolveAllowed, type Resolver } from "./address-policy";

// Nothing here connects anywhere: addresses are classified, and names resolve through a fake resolver.
const fakeDns: Record<string, string[]> = {
  "hooks.example.com": ["93.184.215.14"],
  "internal.example.com": ["10.0.0.5"],
  "mixed.example.com": ["93.184.215.14", "192.168.1.20"],
  "metadata.google.internal": ["169.254.169.254"],
  "v6only.example.com": ["2606:4700::6810:84e5"],
  "v6private.example.com": ["fd12:3456::1"],
  "dev.local.test": ["127.0.0.1"],
};
const resolver: Resolver = async (host) => {
  const list = fakeDns[host];
  if (!list) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
  return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

describe("the refusal list", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.10", "private"],
    ["169.254.10.10", "link_local"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.254", "cgnat"],
    ["169.254.169.254", "metadata"],
    ["169.254.170.2", "metadata"],
    ["100.100.100.200", "metadata"],
    ["168.63.129.16", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["198.18.0.1", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link_local"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fd00:ec2::254", "metadata"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "metadata"],
    ["64:ff9b::a00:1", "private"],
    ["2002:c0a8:0101::1", "private"],
    ["2001:db8::1", "reserved"],
    // Decimal, octal and hex spellings of IPv4.
    ["2130706433", "loopback"],
    ["0x7f000001", "loopback"],
    ["0177.0.0.1", "loopback"],
    ["0x7f.1", "loopback"],
    ["127.1", "loopback"],
    ["017700000001", "loopback"],
    ["0xa9.0xfe.0xa9.0xfe", "metadata"],
    ["2852039166", "metadata"],
    ["0xA9FEA9FE", "metadata"],
    ["012.0.0.1", "private"],
  ])("%s is %s", (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each(["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700::6810:84e5", "::ffff:8.8.8.8", "172.32.0.1", "100.128.0.1"])("%s is public", (address) => {
    expect(classifyAddress(address)).toBe("public");
  });

  it("parses the loose IPv4 forms the way inet_aton does", () => {
    expect(parseIPv4Loose("1.2.3.4")).toBe(0x01020304);
    expect(parseIPv4Loose("1.2.772")).toBe(0x01020304);
    expect(parseIPv4Loose("1.0x20304")).toBe(0x01020304);
    expect(parseIPv4Loose("256.1.1.1")).toBeNull();
    expect(parseIPv4Loose("08.1.1.1")).toBeNull();
    expect(parseIPv4Loose("example")).toBeNull();
  });

  it("refuses private targets when a URL is saved, in every spelling the URL parser accepts", async () => {
    const policy = createAddressPolicy([], resolver);
    for (const url of [
      "http://127.0.0.1/hook",
      "http://2130706433/hook",
      "http://0x7f.0.0.1/hook",
      "http://0177.0.0.1/hook",
      "http://[::1]/hook",
      "http://[::ffff:127.0.0.1]/hook",
      "http://[::ffff:a9fe:a9fe]/hook",
      "http://169.254.169.254/latest/meta-data/",
      "http://internal.example.com/hook",
      "http://mixed.example.com/hook",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://v6private.example.com/hook",
      "http://100.64.1.1/hook",
      "http://[fe80::1]/hook",
    ]) {
      await expect(checkCallbackUrl(policy, url), url).rejects.toMatchObject({ code: "url_refused", status: 422 });
    }
  });

  it("accepts public targets and refuses malformed or credentialed URLs", async () => {
    const policy = createAddressPolicy([], resolver);
    await expect(checkCallbackUrl(policy, "https://hooks.example.com/postline#x")).resolves.toBe("https://hooks.example.com/postline");
    await expect(checkCallbackUrl(policy, "https://v6only.example.com/h")).resolves.toBe("https://v6only.example.com/h");
    await expect(checkCallbackUrl(policy, "ftp://hooks.example.com/")).rejects.toMatchObject({ code: "invalid_url" });
    await expect(checkCallbackUrl(policy, "https://user:pw@hooks.example.com/")).rejects.toMatchObject({ code: "invalid_url" });
    await expect(checkCallbackUrl(policy, "not a url")).rejects.toMatchObject({ code: "invalid_url" });
    await expect(checkCallbackUrl(policy, "https://nowhere.example.com/")).rejects.toMatchObject({ code: "url_unresolvable" });
  });

  it("admits exactly what ALLOW_PRIVATE_WEBHOOK_URLS lists, never metadata", async () => {
    const policy = createAddressPolicy(["127.0.0.1", "10.0.0.0/8", "dev.local.test", "fd12:3456::/32"], resolver);
    await expect(resolveAllowed(policy, "127.0.0.1")).resolves.toHaveLength(1);
    await expect(resolveAllowed(policy, "internal.example.com")).resolves.toHaveLength(1);
    await expect(resolveAllowed(policy, "dev.local.test")).resolves.toHaveLength(1);
    await expect(resolveAllowed(policy, "v6private.example.com")).resolves.toHaveLength(1);
    await expect(resolveAllowed(policy, "127.0.0.2")).rejects.toMatchObject({ code: "url_refused" });
    await expect(resolveAllowed(policy, "192.168.1.1")).rejects.toMatchObject({ code: "url_refused" });
    expect(judgeAddress(policy, { hostname: "x", address: "::ffff:127.0.0.1" }).ok).toBe(true);
    // Metadata stays blocked even inside an allowed range or under an allowed name.
    const generous = createAddressPolicy(["169.254.0.0/16", "0.0.0.0/0", "metadata.google.internal"], resolver);
    expect(judgeAddress(generous, { hostname: "metadata.google.internal", address: "169.254.169.254" }).ok).toBe(false);
    await expect(resolveAllowed(generous, "metadata.google.internal")).rejects.toMatchObject({ code: "url_refused" });
    expect(judgeAddress(generous, { hostname: "x", address: "169.254.1.1" }).ok).toBe(true);
  });

  it("names ALLOW_PRIVATE_WEBHOOK_URLS when refusing a loopback or private address, never for metadata", async () => {
    const policy = createAddressPolicy([], resolver);
    await expect(resolveAllowed(policy, "127.0.0.1")).rejects.toThrow(/127\.0\.0\.1 is a loopback address\. For local development, list it in ALLOW_PRIVATE_WEBHOOK_URLS/);
    await expect(resolveAllowed(policy, "192.168.1.1")).rejects.toThrow(/ALLOW_PRIVATE_WEBHOOK_URLS/);
    await expect(resolveAllowed(policy, "169.254.169.254")).rejects.toThrow(/^Refused: 169\.254\.169\.254 resolves to 169\.254\.169\.254 is a cloud metadata address$/);
  });
});
