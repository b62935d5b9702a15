/**
 * The architecture, checked from the import statements of every file under lib/:
 * - domain folders (everything in lib/ but lib/app, lib/local and lib/tooling) never import Next.js
 *   (`next`, `next/*`, `next-auth*`) nor the app's wiring (`lib/app`), so they run in plain Node;
 * - product code never imports tooling (lib/tooling: drills, test harness) outside its tests;
 * - the folders of lib/ do not import each other in a circle (tests aside), so each can be read,
 *   tested and changed from its dependencies up.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const LIB = path.join(ROOT, "lib");
/** Not domain code: the app's wiring, the local stand-ins for the platform, and tooling. */
const OUTSIDE_DOMAIN = new Set(["app", "local", "tooling"]);
const ROOT_FILES = "(lib root files)";

/**
 * Cycles known and being removed, each with the reason it is still here. A listed cycle that no
 * longer exists fails the test too, so the list only shrinks.
 */
const KNOWN_CYCLES: Record<string, string> = {};

interface SourceFile {
  /** Path from the repository root, with forward slashes. */
  file: string;
  /** The lib/ folder it belongs to (`sending` for lib/sending/…), or ROOT_FILES for lib/env.ts. */
  folder: string;
  isTest: boolean;
  imports: string[];
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(full);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") ? [full] : [];
  });
}

function folderOf(relativeToLib: string): string {
  const parts = relativeToLib.split(path.sep);
  return parts.length === 1 ? ROOT_FILES : parts[0];
}

function readLib(): SourceFile[] {
  return walk(LIB).map((full) => {
    const text = fs.readFileSync(full, "utf8");
    // The compiler's own pre-processor: static imports, `export … from`, `import()` and `require()`.
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    return {
      file: path.relative(ROOT, full).split(path.sep).join("/"),
      folder: folderOf(path.relative(LIB, full)),
      isTest: /\.test\.tsx?$/.test(full),
      imports,
    };
  });
}

/** The lib/ folder an import specifier points into, or null when it points outside lib/. */
function targetFolder(from: SourceFile, specifier: string): string | null {
  let target: string;
  if (specifier.startsWith("@/")) target = path.join(ROOT, specifier.slice(2));
  else if (specifier.startsWith(".")) target = path.resolve(path.dirname(path.join(ROOT, from.file)), specifier);
  else return null;
  const rel = path.relative(LIB, target);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return null;
  const [first, ...rest] = rel.split(path.sep);
  // `@/lib/env` is a root file; `@/lib/sending` (a folder's index) is the folder.
  if (rest.length === 0 && !fs.statSync(path.join(LIB, first), { throwIfNoEntry: false })?.isDirectory()) return ROOT_FILES;
  return first;
}

const NEXT = /^(next|next-auth)(\/.*)?$/;

/** Messages naming each domain file that imports Next.js or the app's wiring. */
function frameworkImports(files: SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (OUTSIDE_DOMAIN.has(f.folder)) continue;
    for (const spec of f.imports) {
      if (NEXT.test(spec)) out.push(`${f.file} imports "${spec}" (domain code must not depend on Next.js)`);
      else if (targetFolder(f, spec) === "app") out.push(`${f.file} imports "${spec}" (domain code must not depend on the app's wiring in lib/app)`);
    }
  }
  return out;
}

/** Messages naming each product file (not a test) that imports tooling. */
function toolingImports(files: SourceFile[]): string[] {
  return files
    .filter((f) => !f.isTest && f.folder !== "tooling")
    .flatMap((f) => f.imports.filter((spec) => targetFolder(f, spec) === "tooling").map((spec) => `${f.file} imports "${spec}" (product code must not depend on lib/tooling)`));
}

/** The folder-level graph of domain folders: folder → folder → one file that makes the edge. */
function folderGraph(files: SourceFile[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const f of files) {
    if (f.isTest || OUTSIDE_DOMAIN.has(f.folder)) continue;
    const edges = graph.get(f.folder) ?? new Map<string, string>();
    graph.set(f.folder, edges);
    for (const spec of f.imports) {
      const to = targetFolder(f, spec);
      if (to && to !== f.folder && !OUTSIDE_DOMAIN.has(to) && !edges.has(to)) edges.set(to, `${f.file} → ${spec}`);
    }
  }
  return graph;
}

/** One cycle per strongly connected component that has one, each written `a → b → a (a: file → import; …)`. */
function folderCycles(graph: Map<string, Map<string, string>>): string[] {
  // Tarjan's strongly connected components; a component of two or more folders holds a cycle.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indexOf.has(v)) visit(v);

  return components.map((component) => {
    // A shortest way back to the start, inside the component (breadth first).
    const members = new Set(component);
    const start = [...component].sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    let end: string | null = null;
    while (queue.length && !end) {
      const v = queue.shift()!;
      for (const w of graph.get(v)?.keys() ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          end = v;
          break;
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    const cycle = [end!];
    while (cycle[0] !== start) cycle.unshift(previous.get(cycle[0])!);
    cycle.push(start);
    const why = cycle.slice(0, -1).map((v, i) => `${graph.get(v)!.get(cycle[i + 1])}`);
    return `lib/${cycle.join(" → lib/")} (${why.join("; ")})`;
  });
}

describe("architecture of lib/", () => {
  const files = readLib();

  it("reads the import statements it checks", () => {
    const advance = files.find((f) => f.file === "lib/sending/advance-sending.ts");
    expect(advance?.imports).toContain("./claim-batch");
    expect(files.filter((f) => f.folder === "app").length).toBeGreaterThan(0);
  });

  it("domain folders import neither Next.js nor lib/app", () => {
    expect(frameworkImports(files)).toEqual([]);
  });

  it("product code does not import tooling", () => {
    expect(toolingImports(files)).toEqual([]);
  });

  it("lib/ folders do not import each other in a circle", () => {
    const cycles = folderCycles(folderGraph(files));
    const known = (c: string) => Object.keys(KNOWN_CYCLES).some((k) => c.startsWith(`${k} (`));
    expect(cycles.filter((c) => !known(c))).toEqual([]);
    const gone = Object.keys(KNOWN_CYCLES).filter((k) => !cycles.some((c) => c.startsWith(`${k} (`)));
    expect(gone, "these cycles are gone: remove them from KNOWN_CYCLES").toEqual([]);
  });

  it("finds a Next.js import, an app import and a cycle when there is one", () => {
    const fake = (file: string, imports: string[]): SourceFile => ({ file, folder: file.split("/")[1], isTest: false, imports });
    const broken = [
      fake("lib/a/one.ts", ["next/server", "@/lib/b/two", "@/lib/app/deps"]),
      fake("lib/b/two.ts", ["../c/three"]),
      fake("lib/c/three.ts", ["@/lib/a/one", "next-auth/jwt"]),
      fake("lib/d/four.ts", ["@/lib/a/one"]),
    ];
    expect(frameworkImports(broken)).toEqual([
      'lib/a/one.ts imports "next/server" (domain code must not depend on Next.js)',
      'lib/a/one.ts imports "@/lib/app/deps" (domain code must not depend on the app\'s wiring in lib/app)',
      'lib/c/three.ts imports "next-auth/jwt" (domain code must not depend on Next.js)',
    ]);
    expect(folderCycles(folderGraph(broken))).toEqual([
      "lib/a → lib/b → lib/c → lib/a (lib/a/one.ts → @/lib/b/two; lib/b/two.ts → ../c/three; lib/c/three.ts → @/lib/a/one)",
    ]);
  });
});
