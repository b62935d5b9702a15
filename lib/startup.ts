import { EnvError, getEnv } from "@/lib/env";

/** Validates the configuration when the server starts; on a missing secret, says which and exits. */
export function assertAppEnvAtStartup(): void {
  try {
    getEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`postline: refusing to start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
