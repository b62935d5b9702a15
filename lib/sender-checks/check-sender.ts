import type { AccountClient } from "postmark";
import type { SenderCheck } from "@/db/schema";
import { lookupDmarc, type TxtResolver } from "./dmarc";

export type { SenderCheck } from "@/db/schema";

/**
 * Is a From domain ready for bulk mail? Gmail's and Yahoo's bulk-sender rules want mail authenticated
 * (DKIM, an aligned Return-Path) and a DMARC policy published. Postmark knows the first two (Domains
 * or Sender Signatures API, with the account token); DNS answers the third.
 */
export interface SenderCheckDeps {
  /** postmark.js's AccountClient (POSTMARK_ACCOUNT_TOKEN); null: DKIM and Return-Path are not checked. */
  account: AccountClient | null;
  resolver: TxtResolver;
  now: () => Date;
}

type Verification = Pick<SenderCheck, "dkim" | "returnPath"> & { problems: string[] };

export function domainOf(email: string): string {
  // The From may be `Name <address>`: the domain is the address's.
  const address = /<([^>]+)>/.exec(email)?.[1] ?? email;
  return address.slice(address.lastIndexOf("@") + 1).trim().toLowerCase();
}

function addressOf(email: string): string {
  return (/<([^>]+)>/.exec(email)?.[1] ?? email).trim().toLowerCase();
}

export async function checkSenderDomain(fromEmail: string, deps: SenderCheckDeps): Promise<SenderCheck> {
  const domain = domainOf(fromEmail);
  const [postmark, dmarc] = await Promise.all([
    deps.account ? verifyInPostmark(deps.account, domain, addressOf(fromEmail)) : Promise.resolve<Verification>({ dkim: "not_checked", returnPath: "not_checked", problems: [] }),
    lookupDmarc(deps.resolver, domain),
  ]);
  const problems = [...postmark.problems];
  if (dmarc.state === "missing") {
    problems.push(`No DMARC record at _dmarc.${domain}: publish a TXT record such as "v=DMARC1; p=none; rua=mailto:dmarc@${domain}" (Gmail and Yahoo require one from bulk senders).`);
  } else if (dmarc.state === "unknown") {
    problems.push(`DNS did not answer for _dmarc.${domain} (${dmarc.error}): try again, or check the resolver (DNS_RESOLVER).`);
  }
  return {
    domain,
    checkedAt: deps.now().toISOString(),
    dkim: postmark.dkim,
    returnPath: postmark.returnPath,
    dmarc: dmarc.state,
    dmarcRecord: dmarc.state === "present" ? dmarc.record : null,
    problems,
  };
}

const PAGE = 500;

async function verifyInPostmark(account: AccountClient, domain: string, address: string): Promise<Verification> {
  try {
    const domains = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await account.getDomains({ count: PAGE, offset });
      domains.push(...page.Domains);
      if (page.Domains.length < PAGE || domains.length >= page.TotalCount) break;
    }
    // The From domain itself, else the domain it is a subdomain of.
    const match = domains.find((d) => d.Name.toLowerCase() === domain) ?? domains.find((d) => domain.endsWith(`.${d.Name.toLowerCase()}`));
    if (match) {
      const problems: string[] = [];
      if (!match.DKIMVerified) {
        problems.push(`DKIM is not verified for ${match.Name} in Postmark: add the DKIM TXT record Postmark shows under Sender Signatures → ${match.Name} → DNS settings, then press Verify.`);
      }
      if (!match.ReturnPathDomainVerified) {
        const details = await account.getDomain(match.ID);
        problems.push(`Return-Path is not verified for ${match.Name} in Postmark: add a CNAME record ${details.ReturnPathDomain || `pm-bounces.${match.Name}`} → ${details.ReturnPathDomainCNAMEValue || "pm.mtasv.net"}, then press Verify.`);
      }
      return { dkim: match.DKIMVerified ? "verified" : "unverified", returnPath: match.ReturnPathDomainVerified ? "verified" : "unverified", problems };
    }
    const senders = await account.getSenderSignatures({ count: PAGE, offset: 0 });
    const signature = senders.SenderSignatures.find((s) => s.EmailAddress.toLowerCase() === address);
    if (signature) {
      const details = await account.getSenderSignature(signature.ID);
      const problems: string[] = [];
      if (!details.DKIMVerified) problems.push(`DKIM is not verified for ${domain}: ${address} is a single sender signature in Postmark; add and verify the domain ${domain} (DKIM TXT record) instead.`);
      if (!details.ReturnPathDomainVerified) problems.push(`Return-Path is not verified for ${domain}: add the CNAME record Postmark shows for the domain ${domain}, then press Verify.`);
      return { dkim: details.DKIMVerified ? "verified" : "unverified", returnPath: details.ReturnPathDomainVerified ? "verified" : "unverified", problems };
    }
    return { dkim: "not_found", returnPath: "not_found", problems: [`${domain} is neither a domain nor a sender signature in this Postmark account: add it under Sender Signatures, then verify its DKIM and Return-Path records.`] };
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    const why = status === 401 ? "Postmark refused the account token (401): check POSTMARK_ACCOUNT_TOKEN" : `Postmark could not be asked (${status ? `HTTP ${status}` : (error as Error).message}): try again in a minute`;
    return { dkim: "unknown", returnPath: "unknown", problems: [`DKIM and Return-Path for ${domain} could not be checked. ${why}.`] };
  }
}
