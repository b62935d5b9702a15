import { getEnv } from "@/lib/env";
import { clientIp, forwardingTrust, type ForwardingTrust } from "@/lib/http/client-ip";

let trust: ForwardingTrust | undefined;

/** The caller's address for this deployment: Vercel's header on Vercel, else TRUSTED_PROXIES decide. */
export function requestClientIp(header: (name: string) => string | null | undefined): string {
  if (!trust) {
    const env = getEnv();
    trust = forwardingTrust({ proxies: env.TRUSTED_PROXIES, vercel: env.VERCEL });
  }
  return clientIp(header, trust);
}
