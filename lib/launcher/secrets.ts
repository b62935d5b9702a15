import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface LocalSecrets {
  AUTH_SECRET: string;
  CRON_SECRET: string;
  POSTMARK_WEBHOOK_SECRET: string;
  SANDBOX_SERVER_TOKEN: string;
  POSTGRES_PASSWORD: string;
}

/**
 * Local secrets, generated once and kept in <data>/secrets.json (mode 0600). A variable set in the
 * environment wins over the file; the file only fills what is missing.
 */
export function loadOrCreateSecrets(dataDir: string, env: Partial<Record<keyof LocalSecrets, string | undefined>>): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  let stored: Partial<LocalSecrets> = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LocalSecrets>;
  const make = () => randomBytes(32).toString("base64url");
  const merged: LocalSecrets = {
    AUTH_SECRET: stored.AUTH_SECRET ?? make(),
    CRON_SECRET: stored.CRON_SECRET ?? make(),
    POSTMARK_WEBHOOK_SECRET: stored.POSTMARK_WEBHOOK_SECRET ?? make(),
    SANDBOX_SERVER_TOKEN: stored.SANDBOX_SERVER_TOKEN ?? `sandbox-${make()}`,
    POSTGRES_PASSWORD: stored.POSTGRES_PASSWORD ?? make(),
  };
  if (JSON.stringify(merged) !== JSON.stringify(stored)) {
    fs.writeFileSync(file, JSON.stringify(merged, null, 2) + "\n", { mode: 0o600 });
  }
  return {
    AUTH_SECRET: env.AUTH_SECRET ?? merged.AUTH_SECRET,
    CRON_SECRET: env.CRON_SECRET ?? merged.CRON_SECRET,
    POSTMARK_WEBHOOK_SECRET: env.POSTMARK_WEBHOOK_SECRET ?? merged.POSTMARK_WEBHOOK_SECRET,
    SANDBOX_SERVER_TOKEN: merged.SANDBOX_SERVER_TOKEN,
    POSTGRES_PASSWORD: merged.POSTGRES_PASSWORD,
  };
}

/** The first admin's password: ADMIN_PASSWORD, or one generated once and kept in <data>/admin-password.txt. */
export function loadOrCreateAdminPassword(dataDir: string, given: string | undefined, generate: () => string): { password: string; file: string | null } {
  if (given) return { password: given, file: null };
  const file = path.join(dataDir, "admin-password.txt");
  if (fs.existsSync(file)) return { password: fs.readFileSync(file, "utf8").trim(), file };
  const password = generate();
  fs.writeFileSync(file, password + "\n", { mode: 0o600 });
  return { password, file };
}
