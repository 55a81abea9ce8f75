/**
 * A hash of everything the client build is made from, recorded in `manifest.json` so a start can
 * tell whether a prebuilt client is still current. Islands may import from any folder of the
 * project (components, client-side helpers, dictionaries…), so every source file of `sourceDir`
 * counts, except the folders the app says never reach the browser (`ignoreDirs`), dependencies
 * and build output: a change anywhere else only costs one rebuild, while a missed folder would
 * serve stale JavaScript. The framework's own folder (its browser runtime is bundled) always
 * counts, and `deno.lock` pins dependency versions.
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { entriesOf } from "./fs.ts";

const FRAMEWORK_DIR = dirname(fileURLToPath(import.meta.url));

/** Where the client build's sources are. */
export interface SourceOptions {
  /** Folder whose top-level `*.tsx` files are islands. */
  islandsDir: string;
  /** The project folder islands import from. Default: the current working directory. */
  sourceDir?: string;
  /** Top-level folders of `sourceDir` that never reach the browser (tests, docs, data…). Default: none. */
  ignoreDirs?: readonly string[];
}

/** Top-level folders never hashed: dependencies (pinned by `deno.lock`) and the default build output. */
const ALWAYS_SKIPPED = ["node_modules", "_build"];
/** Files whose content can change the bundle. */
const SOURCE_FILE = /\.(ts|tsx|js|jsx|mjs|json)$/;

/**
 * Hex SHA-256 over the client build's sources (see the module doc). `outDir`, when the build is
 * written inside `sourceDir`, is skipped: writing it must not make it stale.
 */
export async function clientSourceHash(sources: SourceOptions, outDir?: string): Promise<string> {
  const sourceDir = resolve(sources.sourceDir ?? Deno.cwd());
  const skipped = new Set([...ALWAYS_SKIPPED, ...(sources.ignoreDirs ?? [])]);
  const output = outDir === undefined ? undefined : resolve(outDir);
  const parts: [string, Uint8Array][] = [];
  // The islands folder may live outside the project (test fixtures): hash it on its own too.
  await collect(resolve(sources.islandsDir), "islands", parts);
  await collect(FRAMEWORK_DIR, "framework", parts);
  await collect(
    sourceDir,
    ".",
    parts,
    (name) => !skipped.has(name) && !name.startsWith(".") && join(sourceDir, name) !== output,
  );
  await addFile(join(sourceDir, "deno.lock"), "deno.lock", parts);
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
  for (const entry of await entriesOf(dir)) {
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
