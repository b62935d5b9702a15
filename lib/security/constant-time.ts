import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares two secrets in time that does not depend on where they differ or on their lengths: both
 * are hashed to 32 bytes first, so timingSafeEqual always compares equal-length buffers.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
