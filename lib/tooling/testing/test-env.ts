import { z } from "zod";
import { parseEnv, type Source } from "@/lib/env";

const testEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v)),
  // Unset: derived from the checkout's path (lib/tooling/testing/postgres.ts checkoutPort).
  TEST_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

/** What the test suite reads: an external PostgreSQL, or the port for its own embedded one. */
export function getTestEnv(source: Source) {
  return parseEnv(testEnvSchema, source);
}
