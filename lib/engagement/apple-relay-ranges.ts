/**
 * Apple iCloud Private Relay egress networks, which Apple Mail Privacy Protection's image proxy uses
 * (ENGAGEMENT.md §b). Rewritten whole by `npm run engagement:refresh-apple-ranges`, which downloads
 * Apple's list and compacts it; do not edit by hand except to replace the hand-made snapshot below.
 *
 * THIS SNAPSHOT IS HAND-MADE AND COARSE. Apple's list could not be fetched where this was written.
 * It is a covering of the prefixes seen in a third-party mirror of Apple's CSV
 * (rezmoss/cloud-provider-ip-addresses, apple_private_relay_ips_merged.txt, generated 2026-07-02 from
 * https://mask-api.icloud.com/egress-ip-ranges.csv; ENGAGEMENT.md cites the same mirror as [RZ]):
 * IPv4 104.28.28–151.x (Cloudflare), 140.248.0–49.x and 146.75.128–252.x (Fastly), 172.224.226–
 * 172.226.226.x (Akamai); IPv6 2606:54c0::/32 and 2a09:bac2-3::/32 (Cloudflare), 2a02:26f7::/32
 * (Akamai), 2a04:4e41::/32 (Fastly). Each is widened to an enclosing block, so it also covers a
 * few addresses the list leaves out (the operators' other customers): harmless for MPP, which also
 * requires the bare `Mozilla/5.0` user agent, and never used to call a click a machine. IPv6 prefixes
 * between 2606:54c0 and 2a02:26f7 in the mirror were not all read: refresh where the network allows.
 */
export const APPLE_RELAY_SNAPSHOT = {
  source: "hand-made covering of rezmoss/cloud-provider-ip-addresses apple_private_relay (mirror of https://mask-api.icloud.com/egress-ip-ranges.csv)",
  asOf: "2026-07-02",
  cidrs: [
    "104.28.0.0/17",
    "104.28.128.0/19",
    "140.248.0.0/18",
    "146.75.128.0/17",
    "172.224.224.0/19",
    "172.225.0.0/16",
    "172.226.0.0/16",
    "2606:54c0::/32",
    "2a02:26f7::/32",
    "2a04:4e41::/32",
    "2a09:bac2::/31",
  ] as readonly string[],
};
