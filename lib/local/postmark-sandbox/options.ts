/**
 * Sandbox settings from variables (ARCHITECTURE.md: POSTMARK_SANDBOX_RATES, _DELAY_MS, _DROP_RATE; also
 * _RETRY_MS and _PACE).
 * The caller passes the environment in; nothing here reads process.env.
 */
import { parseArgs } from "node:util";
import { PACES, type Pace } from "./machine-traffic";
import { seededRandom, ZERO_RATES } from "./outcomes";
import type { SandboxOptions, SandboxRates } from "./types";

export type SandboxEnvOptions = Pick<SandboxOptions, "rates" | "delayMs" | "dropRate" | "retryScheduleMs" | "pace">;

/** `open=0.45,click=0.1,hardbounce=0.01,mpp=0.5,scanner=0.05` → rates; unknown names, bad numbers and duplicates throw. */
export function parseSandboxRates(text: string, variable = "POSTMARK_SANDBOX_RATES"): Partial<SandboxRates> {
  const out: Partial<SandboxRates> = {};
  const valid = Object.keys(ZERO_RATES);
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^([a-z]+)\s*=\s*([0-9]*\.?[0-9]+(?:e-?\d+)?)$/i.exec(item);
    if (!m) throw new Error(`${variable}: "${item}" is not name=number (expected e.g. open=0.45,click=0.1)`);
    const name = m[1].toLowerCase();
    if (!valid.includes(name)) throw new Error(`${variable}: unknown outcome "${m[1]}" (known: ${valid.join(", ")})`);
    if (name in out) throw new Error(`${variable}: "${name}" is given twice`);
    const value = Number(m[2]);
    if (!(value >= 0 && value <= 1)) throw new Error(`${variable}: ${name}=${m[2]} must be between 0 and 1`);
    out[name as keyof SandboxRates] = value;
  }
  const bounce = (out.hardbounce ?? 0) + (out.softbounce ?? 0);
  if (bounce > 1) throw new Error(`${variable}: hardbounce + softbounce must not exceed 1`);
  return out;
}

function parseNumber(variable: string, value: string, min: number, max: number): number {
  const n = Number(value.trim());
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`${variable} must be a number between ${min} and ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function sandboxOptionsFromEnv(env: Record<string, string | undefined>): SandboxEnvOptions {
  const out: SandboxEnvOptions = {};
  if (env.POSTMARK_SANDBOX_RATES?.trim()) out.rates = parseSandboxRates(env.POSTMARK_SANDBOX_RATES);
  if (env.POSTMARK_SANDBOX_DELAY_MS?.trim()) out.delayMs = parseNumber("POSTMARK_SANDBOX_DELAY_MS", env.POSTMARK_SANDBOX_DELAY_MS, 0, 86_400_000);
  if (env.POSTMARK_SANDBOX_DROP_RATE?.trim()) out.dropRate = parseNumber("POSTMARK_SANDBOX_DROP_RATE", env.POSTMARK_SANDBOX_DROP_RATE, 0, 1);
  if (env.POSTMARK_SANDBOX_PACE?.trim()) {
    const pace = env.POSTMARK_SANDBOX_PACE.trim().toLowerCase();
    if (!PACES.includes(pace as Pace)) throw new Error(`POSTMARK_SANDBOX_PACE must be one of ${PACES.join(", ")}, got ${JSON.stringify(env.POSTMARK_SANDBOX_PACE)}`);
    out.pace = pace as Pace;
  }
  // Postmark retries failed posts after minutes; tests and drills shorten the schedule (e.g. "2000,5000").
  if (env.POSTMARK_SANDBOX_RETRY_MS?.trim()) {
    out.retryScheduleMs = env.POSTMARK_SANDBOX_RETRY_MS.split(",").map((part) => parseNumber("POSTMARK_SANDBOX_RETRY_MS", part.trim(), 0, 86_400_000));
  }
  return out;
}

/** The cli's options: flags first, then variables (see cli.ts for the list). */
export function sandboxOptionsFromArgs(argv: string[], env: Record<string, string | undefined>): SandboxOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      token: { type: "string" },
      "webhook-url": { type: "string" },
      "webhook-secret": { type: "string" },
      "webhook-header": { type: "string" },
      "webhook-user": { type: "string" },
      "webhook-password": { type: "string" },
      "data-file": { type: "string" },
      seed: { type: "string" },
    },
    strict: true,
  });
  const token = values.token ?? env.POSTMARK_SERVER_TOKEN;
  if (!token) throw new Error("a server token is required: --token or POSTMARK_SERVER_TOKEN");
  const port = Number(values.port ?? env.POSTMARK_SANDBOX_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${values.port ?? env.POSTMARK_SANDBOX_PORT}`);
  const url = values["webhook-url"] ?? env.POSTMARK_SANDBOX_WEBHOOK_URL;
  const secret = values["webhook-secret"] ?? env.POSTMARK_WEBHOOK_SECRET;
  const user = values["webhook-user"] ?? env.POSTMARK_WEBHOOK_BASIC_USER;
  const password = values["webhook-password"] ?? env.POSTMARK_WEBHOOK_BASIC_PASSWORD;
  const seed = values.seed ?? env.POSTMARK_SANDBOX_SEED;
  if (seed !== undefined && !Number.isInteger(Number(seed))) throw new Error(`invalid seed ${JSON.stringify(seed)}: expected an integer`);
  return {
    host: values.host ?? "127.0.0.1",
    port,
    serverToken: token,
    webhook: url
      ? {
          url,
          headers: secret ? { [values["webhook-header"] ?? "X-Webhook-Secret"]: secret } : undefined,
          basicAuth: user || password ? { username: user ?? "", password: password ?? "" } : undefined,
        }
      : null,
    dataFile: values["data-file"] ?? env.POSTMARK_SANDBOX_DATA_FILE,
    random: seed !== undefined ? seededRandom(Number(seed)) : undefined,
    engagementRandom: seed !== undefined ? seededRandom(Number(seed) ^ 0x5bd1e995) : undefined,
    ...sandboxOptionsFromEnv(env),
  };
}
