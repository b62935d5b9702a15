import { isIP } from "node:net";
import { z } from "zod";

/**
 * The one reader of process.env. Everything else receives configuration as arguments, so domain code
 * runs in plain Node (tests, the launcher, benchmarks) without touching globals.
 */

export type Source = Record<string, string | undefined>;

const secret = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .min(16, `${name} must be at least 16 characters`);

const optionalNonEmpty = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

// Any value works as an admin key (it is looked up by hash), as long as it can travel as
// `Authorization: Bearer <key>`: visible ASCII, no spaces, and within authenticateApiKey's 200 characters.
const bootstrapApiKey = optionalNonEmpty.pipe(
  z
    .string()
    .regex(
      /^[\x21-\x7e]{20,200}$/,
      "BOOTSTRAP_API_KEY must be 20 to 200 printable characters without spaces (it is sent as 'Authorization: Bearer <key>')",
    )
    .optional(),
);

/** A comma list of IPs and CIDRs (`10.0.0.0/8`, `2001:db8::/32`), blanks dropped. */
const addressList = (name: string) =>
  z
    .string()
    .default("")
    .transform((value) => value.split(",").map((entry) => entry.trim()).filter(Boolean))
    .refine(
      (entries) =>
        entries.every((entry) => {
          const [address, bits, extra] = entry.split("/");
          const family = isIP(address);
          if (!family || extra !== undefined) return false;
          return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
        }),
      `${name} must be a comma list of IP addresses or CIDRs, such as 10.0.0.0/8,192.0.2.7`,
    );

const urlString = (name: string) => z.string().url(`${name} must be a URL such as http://127.0.0.1:3000`);

const appEnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    DATABASE_URL: z.string({ error: "DATABASE_URL is required" }).min(1, "DATABASE_URL is required"),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    /** A streaming replica for the heavy reads (db/reads.ts); unset: every read goes to DATABASE_URL. */
    DATABASE_REPLICA_URL: optionalNonEmpty,
    /** Beyond this replay lag the replica is not used (its reads go to the primary). */
    DATABASE_REPLICA_MAX_LAG_SECONDS: z.coerce.number().min(1).max(86_400).default(30),
    POSTMARK_SERVER_TOKEN: z
      .string({ error: "POSTMARK_SERVER_TOKEN is required" })
      .min(1, "POSTMARK_SERVER_TOKEN is required"),
    POSTMARK_API_URL: urlString("POSTMARK_API_URL").default("https://api.postmarkapp.com"),
    POSTMARK_MESSAGE_STREAM: z.string().min(1).default("outbound"),
    POSTMARK_BROADCAST_STREAM: z.string().min(1).default("broadcast"),
    POSTMARK_FROM_EMAIL: z.string().email().default("hello@postline.local"),
    // The account token (Postmark → Account → API Tokens): lets the sender check read the From
    // domain's DKIM and Return-Path through the Domains / Sender Signatures APIs. Unset: not checked.
    POSTMARK_ACCOUNT_TOKEN: optionalNonEmpty,
    // The DNS server(s) the sender check asks for `_dmarc.<domain>` TXT: `ip` or `ip:port`, comma list.
    // Unset: the system's resolvers.
    DNS_RESOLVER: z
      .string()
      .default("")
      .transform((value) => value.split(",").map((entry) => entry.trim()).filter(Boolean))
      .refine(
        (entries) => entries.every((entry) => isIP(entry) !== 0 || /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/.test(entry)),
        "DNS_RESOLVER must be a comma list of IP addresses, each with an optional port: 127.0.0.1:5353,[::1]:53",
      ),
    // A campaign to more recipients than this from a domain that fails the sender check is refused
    // (an admin can override per campaign).
    SENDER_CHECK_MIN_RECIPIENTS: z.coerce.number().int().min(0).max(100_000_000).default(1_000),
    POSTMARK_WEBHOOK_SECRET: secret("POSTMARK_WEBHOOK_SECRET"),
    // During a rotation: the old secret, still accepted until Postmark's webhooks send the new one.
    POSTMARK_WEBHOOK_SECRET_PREVIOUS: optionalNonEmpty.pipe(z.string().min(16, "POSTMARK_WEBHOOK_SECRET_PREVIOUS must be at least 16 characters").optional()),
    POSTMARK_WEBHOOK_BASIC_USER: optionalNonEmpty,
    POSTMARK_WEBHOOK_BASIC_PASSWORD: optionalNonEmpty,
    CRON_SECRET: secret("CRON_SECRET"),
    AUTH_SECRET: secret("AUTH_SECRET"),
    APP_URL: urlString("APP_URL").optional(),
    // Created by the launcher; the app refuses a value the launcher would refuse, so both stop alike.
    BOOTSTRAP_API_KEY: bootstrapApiKey,
    ALLOW_PRIVATE_WEBHOOK_URLS: z.string().default(""),
    // "off" (default), "postmark" (Postmark's published webhook IPs), or a comma list of IPs/CIDRs.
    POSTMARK_WEBHOOK_IP_ALLOWLIST: z.string().default("off"),
    // The proxies in front of the app whose X-Forwarded-For entries are believed (lib/http/client-ip.ts).
    TRUSTED_PROXIES: addressList("TRUSTED_PROXIES"),
    // Set by Vercel on its deployments: its edge sets the client's address in headers clients cannot forge.
    VERCEL: z
      .string()
      .optional()
      .transform((v) => v !== undefined && v !== "" && v !== "0"),
    // Signup forms (lib/forms): how long a confirmation link works, how many days after its last link
    // expired a never-confirmed contact is erased, the fastest a person fills a form, and how many
    // posts one source address may make per minute.
    FORM_CONFIRM_HOURS: z.coerce.number().min(0.01).max(24 * 90).default(48),
    FORM_PENDING_DAYS: z.coerce.number().min(0).max(3650).default(7),
    FORM_MIN_FILL_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
    FORM_SOURCE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
    // Circuit breakers (lib/deliverability/breakers.ts): rates are fractions (0.003 = 0.3%), judged
    // strictly above, once a campaign or sequence has BREAKER_MIN_DELIVERIES deliveries in its window.
    BREAKER_COMPLAINT_ALERT_RATE: z.coerce.number().min(0).max(1).default(0.001),
    BREAKER_COMPLAINT_PAUSE_RATE: z.coerce.number().min(0).max(1).default(0.003),
    BREAKER_HARD_BOUNCE_PAUSE_RATE: z.coerce.number().min(0).max(1).default(0.05),
    BREAKER_MIN_DELIVERIES: z.coerce.number().int().min(1).max(10_000_000).default(1_000),
    // Postmark's raw JSON of each event is kept this many days (then dropped a month at a time,
    // lib/ingest/partitions.ts); the extracted fields and statuses are kept forever.
    RAW_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
    // Benchmarks only: exposes POST /api/bench/noop, the baseline the ingestion benchmark compares with.
    POSTLINE_BENCH_ROUTES: z.enum(["on", "off"]).default("off"),
  })
  .superRefine((env, ctx) => {
    if (env.POSTMARK_WEBHOOK_SECRET_PREVIOUS && env.POSTMARK_WEBHOOK_SECRET_PREVIOUS === env.POSTMARK_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["POSTMARK_WEBHOOK_SECRET_PREVIOUS"],
        message: "POSTMARK_WEBHOOK_SECRET_PREVIOUS is the old secret during a rotation: it must differ from POSTMARK_WEBHOOK_SECRET",
      });
    }
    // Half-configured basic auth would silently disable the check: refuse it.
    if (Boolean(env.POSTMARK_WEBHOOK_BASIC_USER) !== Boolean(env.POSTMARK_WEBHOOK_BASIC_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        path: ["POSTMARK_WEBHOOK_BASIC_PASSWORD"],
        message: "POSTMARK_WEBHOOK_BASIC_USER and POSTMARK_WEBHOOK_BASIC_PASSWORD must be set together",
      });
    }
  });

export type AppEnv = z.infer<typeof appEnvSchema> & { APP_URL: string };

export class EnvError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      "Invalid configuration:\n" + problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n"),
    );
    this.name = "EnvError";
  }
}

/** Validates an environment against a schema; throws an EnvError naming each bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, source: Source): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? "environment");
        // zod 4 leaves issue.input out of issues, so "missing" is decided from the source itself.
        const missing = issue.code === "invalid_type" && (source[variable] === undefined || source[variable] === "");
        const message = missing
          ? `${variable} is required`
          : issue.code === "invalid_type"
            ? `${variable} must be a ${issue.expected}, got ${JSON.stringify(source[variable])}`
            : issue.message;
        return { variable, message };
      }),
    );
  }
  return result.data;
}

export function parseAppEnv(source: Source): AppEnv {
  const env = parseEnv(appEnvSchema, source);
  return { ...env, APP_URL: (env.APP_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/+$/, "") };
}

let cached: AppEnv | undefined;

/** The app's configuration, validated once; throws an EnvError naming each bad variable. */
export function getEnv(): AppEnv {
  cached ??= parseAppEnv(process.env);
  return cached;
}

const launcherEnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: optionalNonEmpty,
  POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(5439),
  // The embedded PostgreSQL's buffer cache (its `shared_buffers`; PostgreSQL's default is 128MB). A
  // table larger than the cache is read from the operating system's cache on every update of a random
  // row: bench:dispatch at a million recipients.
  POSTGRES_SHARED_BUFFERS: optionalNonEmpty.pipe(z.string().regex(/^[1-9]\d{0,6}(kB|MB|GB)$/, "POSTGRES_SHARED_BUFFERS is a size such as 512MB or 2GB").optional()),
  POSTMARK_SERVER_TOKEN: optionalNonEmpty,
  POSTMARK_API_URL: optionalNonEmpty,
  POSTMARK_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  POSTMARK_SANDBOX_RATES: optionalNonEmpty,
  POSTMARK_SANDBOX_DELAY_MS: optionalNonEmpty,
  POSTMARK_SANDBOX_DROP_RATE: optionalNonEmpty,
  POSTMARK_SANDBOX_RETRY_MS: optionalNonEmpty,
  POSTMARK_SANDBOX_PACE: optionalNonEmpty,
  POSTLINE_DATA_DIR: z.string().default(".data"),
  ADMIN_EMAIL: z.string().email("ADMIN_EMAIL must be an email address").default("admin@postline.local"),
  ADMIN_PASSWORD: optionalNonEmpty,
  BOOTSTRAP_API_KEY: bootstrapApiKey,
  APP_URL: optionalNonEmpty,
  POSTLINE_CRON: z.enum(["on", "off"]).default("on"),
  // How many `next start` processes serve the port (lib/local/launcher/app-processes.cjs): one node
  // process is one core of JavaScript, and a platform runs several instances behind one address.
  POSTLINE_APP_PROCESSES: z.coerce.number().int().min(1).max(16).default(1),
  // Set in production-like runs; locally the launcher generates and keeps them in <data>/secrets.json.
  AUTH_SECRET: optionalNonEmpty,
  CRON_SECRET: optionalNonEmpty,
  POSTMARK_WEBHOOK_SECRET: optionalNonEmpty,
  POSTMARK_WEBHOOK_BASIC_USER: optionalNonEmpty,
  POSTMARK_WEBHOOK_BASIC_PASSWORD: optionalNonEmpty,
});

export type LauncherEnv = z.infer<typeof launcherEnvSchema>;

/** What the launcher itself reads; everything it does not read is passed through to the app. */
export function getLauncherEnv(source: Source = process.env): LauncherEnv {
  return parseEnv(launcherEnvSchema, source);
}

/** The environment a child process inherits, unchanged, plus the launcher's overrides. */
export function childEnvironment(overrides: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return { ...out, ...overrides };
}
