/**
 * The client build: ONE code-split `Deno.bundle` (needs `--unstable-bundle`) of a generated boot
 * entry that imports every island dynamically, so the boot, the islands, Preact, signals and twind
 * share one copy of each module (two Preact copies break hooks and signals). Chunks are
 * content-hashed by the bundler; the entry is renamed `boot-<hash>.js` after its own contents,
 * which name every chunk it loads, so any change anywhere changes the boot file name.
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type IslandFile, listIslands } from "./islands.ts";
import { clientSourceHash, type SourceOptions } from "./source_hash.ts";

/** An in-memory client build, served under `JS_PREFIX` (`constants.ts`). */
export interface BuildResult {
  /** File name of the boot module, e.g. `boot-1a2b3c4d5e6f.js`. */
  entry: string;
  /** File name → contents. */
  files: Map<string, Uint8Array>;
  /** Island names included. */
  islands: string[];
  /** {@linkcode clientSourceHash} of the sources this was built from. */
  sourceHash: string;
}

/** Options of {@linkcode buildIslands}. */
export interface BuildOptions extends SourceOptions {
  /** Also write the files and a `manifest.json` there (its old `.js` files are removed). */
  outDir?: string;
  /** Minify the output. Default `true`. */
  minify?: boolean;
}

/** The build failed; `message` lists each error with its file and position. */
export class IslandBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IslandBuildError";
  }
}

const BOOT_RUNTIME = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "client", "boot.ts")).href;
const MANIFEST = "manifest.json";

/** Builds the islands of `islandsDir` (see the module doc). */
export async function buildIslands(options: BuildOptions): Promise<BuildResult> {
  const islands = await listIslands(options.islandsDir);
  const sourceHash = await clientSourceHash(options, options.outDir);
  const tempDir = await Deno.makeTempDir({ prefix: "islands-boot-" });
  try {
    const entryPath = join(tempDir, "boot.ts");
    await Deno.writeTextFile(entryPath, bootSource(islands));
    if (typeof Deno.bundle !== "function") {
      throw new IslandBuildError("Deno.bundle is unavailable; run deno with --unstable-bundle");
    }
    const result = await Deno.bundle({
      entrypoints: [entryPath],
      outputDir: join(tempDir, "out"),
      platform: "browser",
      format: "esm",
      codeSplitting: true,
      minify: options.minify ?? true,
      write: false,
    });
    if (!result.success || result.errors.length > 0) {
      throw new IslandBuildError(
        `building the islands of ${options.islandsDir} failed:\n` +
          result.errors.map((m) => `  ${formatMessage(m, entryPath)}`).join("\n") +
          "\nfix these errors and start again",
      );
    }
    const build = await collectOutput(result.outputFiles ?? [], islands, sourceHash);
    if (options.outDir !== undefined) await writeBuild(build, options.outDir);
    return build;
  } finally {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
}

/** Outcome of {@linkcode loadBuild}. */
export type LoadedBuild = { status: "ok"; build: BuildResult } | { status: "missing" | "stale" };

/**
 * Reads a build written by {@linkcode buildIslands} with `outDir`. `stale` when it was built from
 * other sources than the current `islandsDir` (see {@linkcode clientSourceHash}).
 */
export async function loadBuild(dir: string, sources: SourceOptions): Promise<LoadedBuild> {
  let manifest: { entry: string; files: string[]; islands: string[]; sourceHash: string };
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(dir, MANIFEST)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { status: "missing" };
    throw new Error(`${join(dir, MANIFEST)} is unreadable (${error}); delete ${dir} or rebuild it`);
  }
  if (manifest.sourceHash !== await clientSourceHash(sources, dir)) return { status: "stale" };
  const files = new Map<string, Uint8Array>();
  for (const name of manifest.files) files.set(name, await Deno.readFile(join(dir, name)));
  const build = { entry: manifest.entry, files, islands: manifest.islands, sourceHash: manifest.sourceHash };
  return { status: "ok", build };
}

function bootSource(islands: IslandFile[]): string {
  const loaders = islands.map((island) =>
    `  ${JSON.stringify(island.name)}: () => import(${JSON.stringify(pathToFileURL(island.file).href)}),`
  );
  return `import { boot } from ${JSON.stringify(BOOT_RUNTIME)};\nboot({\n${loaders.join("\n")}\n});\n`;
}

async function collectOutput(
  outputFiles: Deno.bundle.OutputFile[],
  islands: IslandFile[],
  sourceHash: string,
): Promise<BuildResult> {
  const files = new Map<string, Uint8Array>();
  let bootContents: Uint8Array | undefined;
  for (const file of outputFiles) {
    const name = basename(file.path);
    const contents = file.contents ?? new TextEncoder().encode(file.text());
    if (name === "boot.js") bootContents = contents;
    else files.set(name, contents);
  }
  if (bootContents === undefined) {
    throw new IslandBuildError("the bundler produced no boot.js; this is a framework bug");
  }
  for (const [name, contents] of files) {
    if (new TextDecoder().decode(contents).includes("./boot.js")) {
      throw new IslandBuildError(`chunk ${name} imports the boot entry; renaming it would break the build`);
    }
  }
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bootContents as Uint8Array<ArrayBuffer>),
  );
  const entry = `boot-${Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("")}.js`;
  files.set(entry, bootContents);
  return { entry, files, islands: islands.map((i) => i.name), sourceHash };
}

async function writeBuild(build: BuildResult, outDir: string) {
  const dir = resolve(outDir);
  await Deno.mkdir(dir, { recursive: true });
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && (entry.name.endsWith(".js") || entry.name === MANIFEST)) {
      await Deno.remove(join(dir, entry.name));
    }
  }
  for (const [name, contents] of build.files) await Deno.writeFile(join(dir, name), contents);
  const manifest = {
    entry: build.entry,
    files: [...build.files.keys()].sort(),
    islands: build.islands,
    sourceHash: build.sourceHash,
  };
  await Deno.writeTextFile(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
}

function formatMessage(message: Deno.bundle.Message, entryPath: string): string {
  const cwd = Deno.cwd();
  // deno-lint-ignore no-control-regex
  const text = message.text.replace(/\x1b\[[0-9;]*m/g, "")
    .replace(/file:\/\/[^\s:]+/g, (url) => relative(cwd, fileURLToPath(url)));
  const notes = (message.notes ?? []).map((n) => ` (${n.text})`).join("");
  const loc = message.location;
  const file = loc ? relative(cwd, resolve(loc.file)) : undefined;
  // Errors inside an island surface at the generated entry's import; their text names the file.
  const where = loc && file && resolve(loc.file) !== entryPath && !text.includes(file)
    ? `${file}:${loc.line}:${loc.column + 1}: `
    : "";
  return `${where}${text}${notes}`;
}
