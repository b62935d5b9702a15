import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { LauncherError } from "./errors";

export interface LocalSecrets {
  AUTH_SECRET: string;
  CRON_SECRET: string;
  POSTMARK_WEBHOOK_SECRET: string;
  /** The token the Postmark sandbox accepts (and the app sends) when POSTMARK_SERVER_TOKEN is unset. */
  SANDBOX_SERVER_TOKEN: string;
  /** The embedded PostgreSQL's superuser password, fixed when its cluster is initialised. */
  POSTGRES_PASSWORD: string;
}

type SecretName = keyof LocalSecrets;

/** Secrets the environment may supply; the rest only ever live in the file. */
const FROM_ENV: SecretName[] = ["AUTH_SECRET", "CRON_SECRET", "POSTMARK_WEBHOOK_SECRET"];
const ALL: SecretName[] = ["AUTH_SECRET", "CRON_SECRET", "POSTMARK_WEBHOOK_SECRET", "SANDBOX_SERVER_TOKEN", "POSTGRES_PASSWORD"];

const generate = (name: SecretName) => (name === "SANDBOX_SERVER_TOKEN" ? "sandbox-" : "") + randomBytes(32).toString("base64url");

function writePrivate(file: string, text: string): void {
  // Write then rename, so a launcher killed mid-write never leaves a truncated file behind.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Local secrets, generated once and kept in <data>/secrets.json (mode 0600). A variable set in the
 * environment wins and is not written to the file; a secret is generated only when neither has it,
 * and then kept, so sessions, cron and webhook secrets stay valid across restarts.
 */
export function loadOrCreateSecrets(dataDir: string, env: Partial<Record<SecretName, string | undefined>>): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  let stored: Partial<Record<SecretName, unknown>> = {};
  if (fs.existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      stored = parsed as Record<string, unknown>;
    } catch (error) {
      throw new LauncherError(`${file} is unreadable (${(error as Error).message}); fix or remove it (new secrets sign everyone out)`);
    }
    // Tighten a file someone copied in with wider permissions.
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  }

  const out = {} as LocalSecrets;
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(stored)) if (typeof v === "string" && v) kept[k] = v;
  let changed = false;
  for (const name of ALL) {
    const given = FROM_ENV.includes(name) ? env[name] : undefined;
    if (given) {
      out[name] = given;
    } else {
      if (!kept[name]) {
        kept[name] = generate(name);
        changed = true;
      }
      out[name] = kept[name];
    }
  }
  if (changed) writePrivate(file, JSON.stringify(kept, null, 2) + "\n");
  return out;
}

/** The first admin's password: ADMIN_PASSWORD, or one generated once and kept in <data>/admin-password.txt (0600). */
export function loadOrCreateAdminPassword(dataDir: string, given: string | undefined, generatePassword: () => string): { password: string; file: string | null } {
  if (given) return { password: given, file: null };
  const file = path.join(dataDir, "admin-password.txt");
  if (fs.existsSync(file)) {
    const password = fs.readFileSync(file, "utf8").trim();
    if (password) return { password, file };
  }
  const password = generatePassword();
  writePrivate(file, password + "\n");
  return { password, file };
}
