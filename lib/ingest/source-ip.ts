import { BlockList, isIP } from "node:net";

/**
 * Postmark's published webhook source addresses (support article "IPs for firewalls", as copied by
 * several integrations; see ../shared/postmark/README.md §2). Off by default: Postmark may change them.
 */
export const POSTMARK_WEBHOOK_IPS = ["3.134.147.250", "50.31.156.6", "50.31.156.77", "18.217.206.57"];

export function ipInAllowlist(ip: string, entries: string[]): boolean {
  const family = isIP(ip);
  if (!family) return false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.trim().split("/");
    const entryFamily = isIP(address);
    if (!entryFamily) continue;
    const type = entryFamily === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list.check(ip, family === 6 ? "ipv6" : "ipv4");
}
