import { describe, expect, it } from "vitest";
import { keysetPaging, parseCursor, parseTrail } from "./keyset-paging";

const base = { path: "/messages", params: { q: "ada", status: undefined }, cursorParam: "after" };

/** Follows `next` links from the first page, as a reader clicking "Next" would. */
function walk(cursors: string[]) {
  const pages = [keysetPaging({ ...base, cursor: null, trail: [], next: cursors[0] })];
  for (let i = 0; i < cursors.length; i++) {
    const url = new URL(pages[i].next!, "http://x");
    pages.push(keysetPaging({ ...base, cursor: parseCursor(url.searchParams.get("after") ?? undefined), trail: parseTrail(url.searchParams.get("trail") ?? undefined), next: cursors[i + 1] ?? null }));
  }
  return pages;
}

describe("keysetPaging", () => {
  it("the first page links forward only, keeping the view", () => {
    expect(keysetPaging({ ...base, cursor: null, trail: [], next: "c1" })).toEqual({ first: null, previous: null, next: "/messages?q=ada&after=c1" });
  });

  it("Previous leads back through every page to the first, whatever the depth", () => {
    const pages = walk(["c1", "c2", "c3"]);
    expect(pages.map((p) => p.previous)).toEqual([null, "/messages?q=ada", "/messages?q=ada&after=c1", "/messages?q=ada&after=c2&trail=c1"]);
    expect(pages[3]).toMatchObject({ first: "/messages?q=ada", next: null });
  });

  it("keeps at most 40 cursors in the URL", () => {
    const cursors = Array.from({ length: 60 }, (_, i) => `c${i}`);
    const last = walk(cursors).at(-1)!;
    const trail = new URL(last.previous!, "http://x").searchParams.get("trail")!.split(".");
    expect(trail).toHaveLength(39);
    expect(trail.at(-1)).toBe("c57");
  });

  it("ignores a forged trail or cursor rather than failing", () => {
    expect(parseTrail("a.b<script>")).toEqual([]);
    expect(parseTrail(Array.from({ length: 41 }, () => "x").join("."))).toEqual([]);
    expect(parseCursor("../x")).toBeNull();
    expect(parseCursor(["a", "b"])).toBeNull();
  });
});
