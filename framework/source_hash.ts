/**
 * A hash of everything the client build is made from, recorded in `_build/manifest.json` so a
 * start can tell whether a prebuilt client is still current. Islands may import from any folder of
 * the project (components, client-side helpers, dictionaries…), so every source file of the project
 * counts, except tests, data and build output: a change anywhere else only costs one rebuild, while a
 * missed folder would serve stale JavaScript. `deno.json` + `deno.lock` pin dependency versions.
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const FRAMEWORK_DIR = dirname(fileURLToPath(import.meta.url));
const PROJECT_DIR = dirname(FRAMEWORK_DIR);

/** Top-level folders that never reach the browser bundle. */
const SKIPPED_DIRS = new Set([
  "tests",
  "bench",
  "docs",
  "data",
  "_build",
  "node_modules",
  "static",
  "scripts",
]);
/** Files whose content can change the bundle. */
const SOURCE_FILE = /\.(ts|tsx|js|jsx|mjs|json)$/;

/** Hex SHA-256 over the client build's sources (see the module doc). */
export async function clientSourceHash(islandsDir: string): Promise<string> {
  const islands = resolve(islandsDir);
  const parts: [string, Uint8Array][] = [];
  // The islands folder may live outside the project (test fixtures): hash it on its own too.
  await collect(islands, "islands", parts);
  await collect(PROJECT_DIR, ".", parts, (name) => !SKIPPED_DIRS.has(name) && !name.startsWith("."));
  await addFile(join(PROJECT_DIR, "deno.lock"), "deno.lock", parts);
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

async function collect(
  dir: string,
  label: string,
  parts: [string, Uint8Array][],
  keepTopDir: (name: string) => boolean = () => true,
) {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      if (keepTopDir(entry.name)) await collect(path, `${label}/${entry.name}`, parts);
    } else if (entry.isFile && SOURCE_FILE.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) {
      await addFile(path, `${label}/${relative(dir, path)}`, parts);
    }
  }
}

async function addFile(path: string, label: string, parts: [string, Uint8Array][]) {
  try {
    parts.push([label, await Deno.readFile(path)]);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
