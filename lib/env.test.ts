import { describe, expect, it } from "vitest";
import { EnvError, getLauncherEnv, parseAppEnv } from "./env";

const complete = {
  DATABASE_URL: "postgres://u:p@127.0.0.1:5432/postline",
  POSTMARK_SERVER_TOKEN: "token",
  POSTMARK_WEBHOOK_SECRET: "w".repeat(32),
  CRON_SECRET: "c".repeat(32),
  AUTH_SECRET: "a".repeat(32),
};

describe("parseAppEnv", () => {
  it("accepts a complete configuration and fills defaults", () => {
    const env = parseAppEnv({ ...complete, PORT: "4000" });
    expect(env.POSTMARK_API_URL).toBe("https://api.postmarkapp.com");
    expect(env.POSTMARK_MESSAGE_STREAM).toBe("outbound");
    expect(env.POSTMARK_BROADCAST_STREAM).toBe("broadcast");
    expect(env.APP_URL).toBe("http://127.0.0.1:4000");
  });

  it.each(["POSTMARK_WEBHOOK_SECRET", "CRON_SECRET", "AUTH_SECRET", "DATABASE_URL"])("names %s when it is missing", (name) => {
    const source: Record<string, string | undefined> = { ...complete, [name]: undefined };
    let thrown: unknown;
    try {
      parseAppEnv(source);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EnvError);
    expect((thrown as EnvError).problems.map((p) => p.variable)).toEqual([name]);
    expect((thrown as Error).message).toContain(`${name} is required`);
  });

  it("refuses short secrets", () => {
    expect(() => parseAppEnv({ ...complete, CRON_SECRET: "short" })).toThrow(/CRON_SECRET must be at least 16/);
  });

  it("takes POSTMARK_WEBHOOK_SECRET_PREVIOUS during a rotation, and refuses it equal to the current secret", () => {
    expect(parseAppEnv(complete).POSTMARK_WEBHOOK_SECRET_PREVIOUS).toBeUndefined();
    expect(parseAppEnv({ ...complete, POSTMARK_WEBHOOK_SECRET_PREVIOUS: "" }).POSTMARK_WEBHOOK_SECRET_PREVIOUS).toBeUndefined();
    expect(parseAppEnv({ ...complete, POSTMARK_WEBHOOK_SECRET_PREVIOUS: "p".repeat(32) }).POSTMARK_WEBHOOK_SECRET_PREVIOUS).toBe("p".repeat(32));
    expect(() => parseAppEnv({ ...complete, POSTMARK_WEBHOOK_SECRET_PREVIOUS: "short" })).toThrow(/POSTMARK_WEBHOOK_SECRET_PREVIOUS must be at least 16/);
    expect(() => parseAppEnv({ ...complete, POSTMARK_WEBHOOK_SECRET_PREVIOUS: complete.POSTMARK_WEBHOOK_SECRET })).toThrow(/must differ from POSTMARK_WEBHOOK_SECRET/);
  });

  it("refuses half-configured basic auth rather than silently skipping the check", () => {
    expect(() => parseAppEnv({ ...complete, POSTMARK_WEBHOOK_BASIC_USER: "postmark" })).toThrow(/must be set together/);
    const both = parseAppEnv({ ...complete, POSTMARK_WEBHOOK_BASIC_USER: "pm", POSTMARK_WEBHOOK_BASIC_PASSWORD: "secret" });
    expect(both.POSTMARK_WEBHOOK_BASIC_USER).toBe("pm");
  });

  it("strips a trailing slash from APP_URL so links are built one way", () => {
    expect(parseAppEnv({ ...complete, APP_URL: "https://mail.example.com/" }).APP_URL).toBe("https://mail.example.com");
  });
});

describe("BOOTSTRAP_API_KEY", () => {
  it("accepts any value of at least 20 printable characters, with or without Postline's pl_ prefix", () => {
    for (const key of ["ci-automation-token-0123456789", "pl_" + "k".repeat(40), "!#$%&'()*+,-./:;<=>?@[]^_`{|}~0123"]) {
      expect(parseAppEnv({ ...complete, BOOTSTRAP_API_KEY: key }).BOOTSTRAP_API_KEY).toBe(key);
      expect(getLauncherEnv({ BOOTSTRAP_API_KEY: key }).BOOTSTRAP_API_KEY).toBe(key);
    }
    expect(parseAppEnv(complete).BOOTSTRAP_API_KEY).toBeUndefined();
  });

  it.each([
    ["shorter than 20 characters", "pl_short_key"],
    ["with a space (a Bearer header cannot carry it)", "two words and more than twenty"],
    ["with a control character", "tab\tseparated-key-0123456789"],
    ["longer than an API key may be", "k".repeat(201)],
  ])("stops the app and the launcher, naming the variable, for a value %s", (_, key) => {
    for (const parseEnv of [() => parseAppEnv({ ...complete, BOOTSTRAP_API_KEY: key }), () => getLauncherEnv({ BOOTSTRAP_API_KEY: key })]) {
      let thrown: unknown;
      try {
        parseEnv();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(EnvError);
      expect((thrown as EnvError).problems.map((p) => p.variable)).toEqual(["BOOTSTRAP_API_KEY"]);
      expect((thrown as Error).message).toMatch(/BOOTSTRAP_API_KEY must be/);
    }
  });
});

describe("TRUSTED_PROXIES and VERCEL", () => {
  it("reads a comma list of addresses and CIDRs, empty by default", () => {
    expect(parseAppEnv(complete).TRUSTED_PROXIES).toEqual([]);
    expect(parseAppEnv({ ...complete, TRUSTED_PROXIES: " 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32," }).TRUSTED_PROXIES).toEqual(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]);
  });

  it.each(["proxy.example.com", "10.0.0.0/33", "2001:db8::/129", "10.0.0.1/x"])("refuses %s, naming the variable", (entry) => {
    expect(() => parseAppEnv({ ...complete, TRUSTED_PROXIES: `127.0.0.1,${entry}` })).toThrow(/TRUSTED_PROXIES/);
  });

  it("knows it runs on Vercel from the VERCEL variable Vercel sets", () => {
    expect(parseAppEnv(complete).VERCEL).toBe(false);
    expect(parseAppEnv({ ...complete, VERCEL: "1" }).VERCEL).toBe(true);
  });
  it("takes the embedded PostgreSQL's buffer cache as a size, and names the variable when it is not one", () => {
    expect(getLauncherEnv({}).POSTGRES_SHARED_BUFFERS).toBeUndefined();
    expect(getLauncherEnv({ POSTGRES_SHARED_BUFFERS: "512MB" }).POSTGRES_SHARED_BUFFERS).toBe("512MB");
    for (const bad of ["512", "lots", "0MB", "1TB", "512MB; fsync=off"]) {
      expect(() => getLauncherEnv({ POSTGRES_SHARED_BUFFERS: bad })).toThrow(/POSTGRES_SHARED_BUFFERS/);
    }
  });
  it("runs one app process unless told how many, and names the variable when the number is not one", () => {
    expect(getLauncherEnv({}).POSTLINE_APP_PROCESSES).toBe(1);
    expect(getLauncherEnv({ POSTLINE_APP_PROCESSES: "2" }).POSTLINE_APP_PROCESSES).toBe(2);
    for (const bad of ["0", "1.5", "17", "two"]) {
      expect(() => getLauncherEnv({ POSTLINE_APP_PROCESSES: bad })).toThrow(/POSTLINE_APP_PROCESSES/);
    }
  });
});

