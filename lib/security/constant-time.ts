import { hash, timingSafeEqual } from "node:crypto";

/**
 * Compares two secrets in time that does not depend on where they differ or on their lengths: both
 * are hashed to 32 bytes first, so timingSafeEqual always compares equal-length buffers.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  // One-shot hashes: every webhook, form post and API call compares a secret, and a Hash object per
  // comparison was a measurable part of the webhook route's time (bench:ingest's profile).
  return timingSafeEqual(hash("sha256", given, "buffer"), hash("sha256", expected, "buffer"));
}
