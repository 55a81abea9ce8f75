/**
 * A hash of everything the client build is made from, recorded in `_build/manifest.json` so a
 * start can tell whether a prebuilt client is still current: the islands folder, the sibling
 * `components/` folder (islands import from it), the framework's client-side files, and
 * `deno.json` + `deno.lock` (dependency versions).
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const FRAMEWORK_DIR = dirname(fileURLToPath(import.meta.url));
const PROJECT_DIR = dirname(FRAMEWORK_DIR);

/** Framework files that end up in the browser bundle. */
const CLIENT_FILES = [
  "client/boot.ts",
  "constants.ts",
  "head.tsx",
  "render_context.ts",
  "serialize.ts",
  "twind.ts",
];

/** Hex SHA-256 over the client build's sources (see the module doc). */
export async function clientSourceHash(islandsDir: string): Promise<string> {
  const islands = resolve(islandsDir);
  const parts: [string, Uint8Array][] = [];
  await collect(islands, "islands", parts);
  await collect(join(dirname(islands), "components"), "components", parts);
  for (const file of CLIENT_FILES) await addFile(join(FRAMEWORK_DIR, file), `framework/${file}`, parts);
  for (const file of ["deno.json", "deno.lock"]) await addFile(join(PROJECT_DIR, file), file, parts);
  parts.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const encoder = new TextEncoder();
  const chunks = parts.flatMap(([label, bytes]) => [encoder.encode(`${label}\0${bytes.length}\0`), bytes]);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  const digest = await crypto.subtle.digest("SHA-256", all);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function collect(dir: string, label: string, parts: [string, Uint8Array][]) {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) await collect(path, `${label}/${entry.name}`, parts);
    else if (entry.isFile) await addFile(path, `${label}/${relative(dir, path)}`, parts);
  }
}

async function addFile(path: string, label: string, parts: [string, Uint8Array][]) {
  try {
    parts.push([label, await Deno.readFile(path)]);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
