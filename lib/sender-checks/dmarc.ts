import { Resolver } from "node:dns/promises";

/** The one DNS question the sender check asks; the app gives it a resolver (DNS_RESOLVER), tests their own server. */
export interface TxtResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

/** A resolver that asks `servers` (`ip` or `ip:port`), or the system's when the list is empty. */
export function createTxtResolver(servers: string[], { timeoutMs = 2_000 }: { timeoutMs?: number } = {}): TxtResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers.length) resolver.setServers(servers);
  return resolver;
}

export type DmarcResult = { state: "present"; record: string; name: string } | { state: "missing" } | { state: "unknown"; error: string };

// "No such name" and "no TXT at that name" both mean: no record. Anything else (timeout, SERVFAIL,
// refused) means DNS did not answer, which is not the same as "missing".
const ABSENT = new Set(["ENOTFOUND", "ENODATA"]);

/**
 * The DMARC record for mail from `domain`: `_dmarc.<domain>`, else the parent domain's (a policy on
 * example.com covers news.example.com unless the subdomain has its own; a simplification of RFC 7489's
 * organizational domain, which would need the public suffix list: the parent is tried only while it
 * still has two labels).
 */
export async function lookupDmarc(resolver: TxtResolver, domain: string): Promise<DmarcResult> {
  const labels = domain.toLowerCase().replace(/\.$/, "").split(".");
  const names = [labels.join(".")];
  if (labels.length > 2) names.push(labels.slice(-2).join("."));
  for (const name of names) {
    let answers: string[][];
    try {
      answers = await resolver.resolveTxt(`_dmarc.${name}`);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (ABSENT.has(code)) continue;
      return { state: "unknown", error: code || (error as Error).message };
    }
    // A TXT record may come in several strings; they are one value. Only a record starting with
    // `v=DMARC1` is a DMARC policy (RFC 7489 6.6.3).
    const record = answers.map((chunks) => chunks.join("")).find((text) => /^v=DMARC1\s*(;|$)/i.test(text.trim()));
    if (record) return { state: "present", record, name: `_dmarc.${name}` };
  }
  return { state: "missing" };
}
