import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { AsOfNotice } from "./as-of-notice";

describe("AsOfNotice", () => {
  it("says the time the figures show, in the viewer's zone to the second, and that nothing is lost", () => {
    const html = renderToStaticMarkup(createElement(AsOfNotice, { asOf: new Date("2026-11-26T05:04:07.900Z"), zone: "Europe/Berlin" }));
    expect(html).toContain("Figures as of 06:04:07, nothing is lost");
  });

  it("says nothing when the figures are current", () => {
    expect(renderToStaticMarkup(createElement(AsOfNotice, { asOf: null, zone: "UTC" }))).toBe("");
  });
});
