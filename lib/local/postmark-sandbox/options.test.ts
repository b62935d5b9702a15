import { describe, expect, it } from "vitest";
import { forcedOutcome, randomOutcome, seededRandom, ZERO_RATES } from "./outcomes";
import { parseSandboxRates, sandboxOptionsFromArgs, sandboxOptionsFromEnv } from "./options";

describe("sandboxOptionsFromEnv", () => {
  it("parses the documented rates syntax, the delay and the drop rate", () => {
    expect(
      sandboxOptionsFromEnv({
        POSTMARK_SANDBOX_RATES: "open=0.45,click=0.1,hardbounce=0.01,softbounce=0.01,spam=0.002,unsubscribe=0.005",
        POSTMARK_SANDBOX_DELAY_MS: "250",
        POSTMARK_SANDBOX_DROP_RATE: "0.05",
      }),
    ).toEqual({ rates: { open: 0.45, click: 0.1, hardbounce: 0.01, softbounce: 0.01, spam: 0.002, unsubscribe: 0.005 }, delayMs: 250, dropRate: 0.05 });
    expect(sandboxOptionsFromEnv({})).toEqual({});
    expect(parseSandboxRates(" open = 1 , ")).toEqual({ open: 1 });
  });

  it("says clearly what is wrong", () => {
    expect(() => parseSandboxRates("open:0.4")).toThrow(/POSTMARK_SANDBOX_RATES: "open:0.4" is not name=number/);
    expect(() => parseSandboxRates("opens=0.4")).toThrow(/unknown outcome "opens"/);
    expect(() => parseSandboxRates("open=1.5")).toThrow(/between 0 and 1/);
    expect(() => parseSandboxRates("open=0.1,open=0.2")).toThrow(/twice/);
    expect(() => parseSandboxRates("hardbounce=0.6,softbounce=0.6")).toThrow(/must not exceed 1/);
    expect(() => sandboxOptionsFromEnv({ POSTMARK_SANDBOX_DELAY_MS: "soon" })).toThrow(/POSTMARK_SANDBOX_DELAY_MS/);
    expect(() => sandboxOptionsFromEnv({ POSTMARK_SANDBOX_DROP_RATE: "2" })).toThrow(/POSTMARK_SANDBOX_DROP_RATE/);
  });
});

describe("sandboxOptionsFromArgs", () => {
  it("takes flags over variables", () => {
    const o = sandboxOptionsFromArgs(["--port", "4010", "--webhook-url", "http://127.0.0.1:3000/api/webhooks/postmark"], {
      POSTMARK_SERVER_TOKEN: "tok",
      POSTMARK_WEBHOOK_SECRET: "sec",
      POSTMARK_WEBHOOK_BASIC_USER: "u",
      POSTMARK_WEBHOOK_BASIC_PASSWORD: "p",
      POSTMARK_SANDBOX_RATES: "open=0.5",
    });
    expect(o).toMatchObject({
      port: 4010,
      serverToken: "tok",
      webhook: { url: "http://127.0.0.1:3000/api/webhooks/postmark", headers: { "X-Webhook-Secret": "sec" }, basicAuth: { username: "u", password: "p" } },
      rates: { open: 0.5 },
    });
    expect(() => sandboxOptionsFromArgs([], {})).toThrow(/token/);
    expect(() => sandboxOptionsFromArgs(["--bogus"], { POSTMARK_SERVER_TOKEN: "t" })).toThrow();
  });
});

describe("outcomes", () => {
  it("reads <outcome>[.silent][+anything]@domain", () => {
    expect(forcedOutcome("click.silent+42@example.com")).toEqual({ outcome: "click", silent: true });
    expect(forcedOutcome("HardBounce@example.com")).toEqual({ outcome: "hardbounce", silent: false });
    expect(forcedOutcome("open+x.silent@example.com")).toEqual({ outcome: "open", silent: false });
    expect(forcedOutcome("jane@example.com")).toBeNull();
    expect(forcedOutcome("silent@example.com")).toBeNull();
  });

  it("all-zero rates always deliver; a seed repeats the same sequence", () => {
    const r = seededRandom(1);
    expect(Array.from({ length: 100 }, () => randomOutcome(ZERO_RATES, r)).every((o) => o === "delivered")).toBe(true);
    const rates = { ...ZERO_RATES, open: 0.5, hardbounce: 0.2 };
    const a = seededRandom(9);
    const b = seededRandom(9);
    expect(Array.from({ length: 50 }, () => randomOutcome(rates, a))).toEqual(Array.from({ length: 50 }, () => randomOutcome(rates, b)));
  });
});
