/**
 * docs/ARCHITECTURE.md is checked against the code: every import between the top-level folders must
 * be allowed by the "may import" column of its table, and no two folders may import each other
 * (directly or through others), so the dependency rules cannot drift from what the files do.
 */
import { assertEquals } from "./support/assert.ts";

const ROOT = new URL("../", import.meta.url);
/** Folders whose files may import anything (composition, tests, tools). */
const FREE = new Set(["tests", "bench", "scripts", "main.ts", "serve.ts"]);

/** The table's rules: folder → folders it may import (from the backticked names of the last column). */
async function rules(): Promise<Map<string, Set<string>>> {
  const doc = await Deno.readTextFile(new URL("docs/ARCHITECTURE.md", ROOT));
  const table = new Map<string, Set<string>>();
  for (const line of doc.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const folder = /^`([a-z0-9_]+)\/`$/.exec(cells[1] ?? "")?.[1];
    if (folder === undefined) continue;
    const allowed = [...(cells.at(-2) ?? "").matchAll(/`([a-z0-9_]+)\/?`/g)].map((m) => m[1]!);
    table.set(folder, new Set(allowed));
  }
  return table;
}

/** Every source file's top-level folder and the top-level folders its relative imports reach. */
async function imports(): Promise<{ from: string; to: string; file: string; typeOnly: boolean }[]> {
  const found: { from: string; to: string; file: string; typeOnly: boolean }[] = [];
  const importPattern =
    /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/gms;
  async function walk(dir: URL, top: string | undefined): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      if (["node_modules", "_build", "data", ".git"].includes(entry.name)) continue;
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) {
        await walk(url, top ?? entry.name);
        continue;
      }
      if (!/\.tsx?$/.test(entry.name) || /_test\.tsx?$/.test(entry.name) || top === undefined) continue;
      const text = await Deno.readTextFile(url);
      for (const match of text.matchAll(importPattern)) {
        const spec = match[3] ?? match[4]!;
        const resolved = spec.startsWith("@/") ? new URL(spec.slice(2), ROOT) : new URL(spec, url);
        const target = resolved.href.slice(ROOT.href.length).split("/")[0]!;
        if (target !== top) {
          found.push({ from: top, to: target, file: url.href.slice(ROOT.href.length), typeOnly: !!match[2] });
        }
      }
    }
  }
  await walk(ROOT, undefined);
  return found;
}

Deno.test("architecture - every import between folders is allowed by docs/ARCHITECTURE.md", async () => {
  const table = await rules();
  const refused = (await imports())
    .filter(({ from }) => !FREE.has(from))
    .filter(({ from, to }) => !(table.get(from)?.has(to) ?? false))
    .map(({ file, to }) => `${file} imports ${to}/`);
  assertEquals(refused, []);
});

Deno.test("architecture - no two folders depend on each other, directly or through others", async () => {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of await imports()) {
    if (FREE.has(from)) continue;
    graph.set(from, (graph.get(from) ?? new Set()).add(to));
  }
  const cycles: string[] = [];
  const reach = (start: string, node: string, path: string[], seen: Set<string>) => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) cycles.push([...path, next].join(" → "));
      else if (!seen.has(next)) {
        seen.add(next);
        reach(start, next, [...path, next], seen);
      }
    }
  };
  for (const folder of graph.keys()) reach(folder, folder, [folder], new Set());
  assertEquals(cycles, []);
});
