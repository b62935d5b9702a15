import { isIP } from "node:net";

/**
 * The caller's address as the nearest proxy reports it. We take the LAST x-forwarded-for entry: Vercel
 * replaces the header with the client's address, a proxy such as nginx appends the address it saw, and
 * `next start` fills the header from the socket only when the client sent none. Earlier entries are
 * whatever the client claimed, so they never decide a rate-limit key. Non-IP values are refused so a
 * forged header cannot inject text into logs or keys.
 */
export function clientIp(header: (name: string) => string | null | undefined): string {
  const forwarded = header("x-forwarded-for")?.split(",").at(-1);
  for (const raw of [forwarded, header("x-real-ip")]) {
    const value = raw?.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
    if (value && isIP(value)) return value;
  }
  return "unknown";
}
