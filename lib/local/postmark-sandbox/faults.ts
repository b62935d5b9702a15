import type { SandboxFaults } from "./types";

export type FaultDecision = "429" | "5xx" | "timeout" | null;

/** One draw decides, so the rates add up: rate429 0.1 + rate5xx 0.1 fails a fifth of the calls. */
export function decideFault(faults: SandboxFaults, random: () => number): FaultDecision {
  const r429 = faults.rate429 ?? 0;
  const r5xx = faults.rate5xx ?? 0;
  const rTimeout = faults.timeoutRate ?? 0;
  if (r429 + r5xx + rTimeout <= 0) return null;
  const r = random();
  if (r < r429) return "429";
  if (r < r429 + r5xx) return "5xx";
  if (r < r429 + r5xx + rTimeout) return "timeout";
  return null;
}

export function checkFaults(input: unknown): SandboxFaults {
  if (!input || typeof input !== "object" || Array.isArray(input)) throw new Error("faults must be an object");
  const out: SandboxFaults = {};
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    switch (k) {
      case "latencyMs":
      case "timeoutHangMs":
        if (typeof v !== "number" || !(v >= 0)) throw new Error(`${k} must be a number >= 0`);
        out[k] = v;
        break;
      case "first429Sends":
        if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${k} must be a whole number >= 0`);
        out[k] = v as number;
        break;
      case "rate429":
      case "rate5xx":
      case "timeoutRate":
        if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`${k} must be a number between 0 and 1`);
        out[k] = v;
        break;
      case "timeoutAccepts":
        if (typeof v !== "boolean") throw new Error("timeoutAccepts must be a boolean");
        out.timeoutAccepts = v;
        break;
      default:
        throw new Error(`unknown fault "${k}"`);
    }
  }
  return out;
}
