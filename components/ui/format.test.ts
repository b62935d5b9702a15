import { describe, expect, it } from "vitest";
import { formatDecimal, formatNumber, formatPercent } from "./format";

describe("number formatting, one way everywhere", () => {
  it("separates thousands and rounds to whole numbers", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(1962)).toBe("1,962");
    expect(formatNumber(1_234_567)).toBe("1,234,567");
    expect(formatNumber(-1500)).toBe("-1,500");
    expect(formatNumber(2.6)).toBe("3");
  });

  it("writes percentages with one decimal, and a dash without a whole", () => {
    expect(formatPercent(911, 1962)).toBe("46.4%");
    expect(formatPercent(1, 3)).toBe("33.3%");
    expect(formatPercent(5, 5)).toBe("100.0%");
    expect(formatPercent(0, 10)).toBe("0.0%");
    expect(formatPercent(3, 0)).toBe("—");
  });

  it("writes decimals with one digit and separators", () => {
    expect(formatDecimal(1.25)).toBe("1.3");
    expect(formatDecimal(1204)).toBe("1,204.0");
  });
});

describe("every page formats numbers with format.ts and never breaks a word in the middle", () => {
  // A scan of the UI sources: a number written with toLocaleString or toFixed elsewhere reads
  // differently from the same number on another page; break-all splits ordinary words anywhere
  // (use wrap-anywhere, which breaks only what cannot fit: addresses, URLs, ids).
  it("finds no other number formatting and no break-all in app/ and components/", async () => {
    const fs = await import("node:fs");
    const path = await import("node:path");
    const root = path.resolve(__dirname, "../..");
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && file !== path.join(root, "components/ui/format.ts")) {
          fs.readFileSync(file, "utf8")
            .split("\n")
            .forEach((line: string, i: number) => {
              if (/\.toLocaleString\(|\.toFixed\(|Intl\.NumberFormat|\bbreak-all\b/.test(line)) offenders.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(path.join(root, "app"));
    walk(path.join(root, "components"));
    expect(offenders).toEqual([]);
  });
});
