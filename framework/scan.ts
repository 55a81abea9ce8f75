/**
 * Scans a routes folder once, at start: imports every route, `_layout`, `_middleware` and the root
 * `_app`/`_404`/`_500`, validates their exports, and returns the table the router mounts. Failing
 * here (bad file name, syntax error, wrong export) stops the start with a message naming the file.
 */
import { join, resolve } from "node:path";
import type { ComponentType } from "preact";
import {
  collisionKey,
  compareSegments,
  describeSegments,
  honoPatterns,
  isGroupDir,
  isTestFile,
  moduleExtension,
  parseSegment,
  routeSegments,
  type Segment,
} from "./path_mapping.ts";
import { importModule } from "./import_module.ts";
import { type Handler, type Handlers, METHODS, type RouteModule } from "./types.ts";

/** One folder of the routes tree with what it contributes to the routes below it. */
export interface RouteDir {
  relDir: string;
  /** URL path of the folder when it is made of static segments only (no `[param]`, no group). */
  staticPath: string[] | undefined;
  // deno-lint-ignore no-explicit-any
  layout: ComponentType<any> | undefined;
  middlewares: Handler[];
}

/** A page or API route. */
export interface RouteEntry {
  relPath: string;
  segments: Segment[];
  patterns: string[];
  page: RouteModule["default"];
  handler: Handler | Handlers | undefined;
  /** Folders from the root down to the route's own, outer first. */
  dirs: RouteDir[];
}

/** Everything mounted from one routes folder. */
export interface RouteTable {
  routes: RouteEntry[];
  dirs: RouteDir[];
  // deno-lint-ignore no-explicit-any
  app: ComponentType<any> | undefined;
  // deno-lint-ignore no-explicit-any
  notFound: ComponentType<any> | undefined;
  // deno-lint-ignore no-explicit-any
  error: ComponentType<any> | undefined;
}

/** Scans `routesDir` (see the module doc for the conventions). */
export async function scanRoutes(routesDir: string): Promise<RouteTable> {
  const root = resolve(routesDir);
  const table: RouteTable = { routes: [], dirs: [], app: undefined, notFound: undefined, error: undefined };
  await walk(root, "", [], [], table);
  table.routes.sort((a, b) => compareSegments(a.segments, b.segments) || (a.relPath < b.relPath ? -1 : 1));
  const seen = new Map<string, string>();
  for (const route of table.routes) {
    const key = collisionKey(route.segments);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new Error(
        `routes/${route.relPath} and routes/${other} both answer ${
          describeSegments(route.segments)
        }; rename or remove one of them`,
      );
    }
    seen.set(key, route.relPath);
  }
  return table;
}

async function walk(abs: string, rel: string, segments: Segment[], ancestors: RouteDir[], table: RouteTable) {
  const files: string[] = [];
  const subdirs: string[] = [];
  for await (const entry of Deno.readDir(abs)) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) subdirs.push(entry.name);
    else if (moduleExtension(entry.name) !== undefined && !isTestFile(entry.name)) files.push(entry.name);
  }
  files.sort();
  subdirs.sort();
  const special = (stem: string) => files.find((f) => f.slice(0, -moduleExtension(f)!.length) === stem);
  const label = (file: string) => `routes/${rel}${file}`;
  const isStatic = ancestors.every((d) => d.staticPath !== undefined) &&
    segments.every((s) => s.kind === "static") && !rel.split("/").some(isGroupDir);
  const dir: RouteDir = {
    relDir: rel,
    staticPath: isStatic ? segments.map((s) => s.kind === "static" ? s.value : "") : undefined,
    layout: undefined,
    middlewares: [],
  };
  const layoutFile = special("_layout");
  if (layoutFile) dir.layout = await loadComponent(join(abs, layoutFile), label(layoutFile));
  const middlewareFile = special("_middleware");
  if (middlewareFile) {
    dir.middlewares = await loadMiddleware(join(abs, middlewareFile), label(middlewareFile));
  }
  if (rel === "") {
    for (const [stem, key] of [["_app", "app"], ["_404", "notFound"], ["_500", "error"]] as const) {
      const file = special(stem);
      if (file) table[key] = await loadComponent(join(abs, file), label(file));
    }
  }
  table.dirs.push(dir);
  const dirs = [...ancestors, dir];
  for (const file of files) {
    if (file.startsWith("_")) continue;
    const relPath = rel + file;
    const routeSegs = routeSegments(relPath);
    const mod = await importModule(join(abs, file), label(file));
    const { page, handler } = validateRoute(mod, label(file));
    table.routes.push({
      relPath,
      segments: routeSegs,
      patterns: honoPatterns(routeSegs),
      page,
      handler,
      dirs,
    });
  }
  for (const name of subdirs) {
    if (name.startsWith("_")) continue;
    const relDir = `${rel}${name}/`;
    const segment = parseSegment(name, relDir);
    if (segment?.kind === "rest") {
      throw new Error(
        `routes/${relDir}: a folder cannot be a catch-all; use a [...${segment.name}].tsx file`,
      );
    }
    await walk(join(abs, name), relDir, segment ? [...segments, segment] : segments, dirs, table);
  }
}

// deno-lint-ignore no-explicit-any
async function loadComponent(path: string, label: string): Promise<ComponentType<any>> {
  const mod = await importModule(path, label);
  if (typeof mod.default !== "function") {
    throw new Error(`${label}: must default-export a Preact component (a function returning JSX)`);
  }
  // deno-lint-ignore no-explicit-any
  return mod.default as ComponentType<any>;
}

async function loadMiddleware(path: string, label: string): Promise<Handler[]> {
  const mod = await importModule(path, label);
  const list = Array.isArray(mod.handler) ? mod.handler : [mod.handler];
  if (list.length === 0 || list.some((h) => typeof h !== "function")) {
    throw new Error(`${label}: must export \`handler\`, a function (ctx) => Response or an array of them`);
  }
  return list as Handler[];
}

function validateRoute(mod: Record<string, unknown>, label: string) {
  const page = mod.default;
  const handler = mod.handler;
  if (page !== undefined && typeof page !== "function") {
    throw new Error(`${label}: the default export must be a page component (props: PageProps) => JSX`);
  }
  if (handler !== undefined && typeof handler !== "function") {
    if (typeof handler !== "object" || handler === null) {
      throw new Error(`${label}: \`handler\` must be a function or an object of per-method functions`);
    }
    for (const [key, value] of Object.entries(handler)) {
      if (!(METHODS as readonly string[]).includes(key) || typeof value !== "function") {
        throw new Error(
          `${label}: handler.${key} is not allowed; use functions named ${METHODS.join(", ")}`,
        );
      }
    }
  }
  if (page === undefined && handler === undefined) {
    throw new Error(
      `${label}: exports neither a default page component nor a \`handler\`; export one of them`,
    );
  }
  return { page: page as RouteModule["default"], handler: handler as Handler | Handlers | undefined };
}
