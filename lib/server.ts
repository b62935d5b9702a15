import { getDbFor, type Db } from "@/db";
import { getEnv } from "@/lib/env";

/** The app's database handle, configured from the validated environment. */
export function getAppDb(): Db {
  const env = getEnv();
  return getDbFor(env.DATABASE_URL, { max: env.DATABASE_POOL_MAX });
}
