/**
 * Scans a routes folder once, at start: imports every route, `_layout`, `_middleware` and the root
 * `_app`/`_error`/`_404`/`_500`, validates their exports, and returns the table the router mounts.
 * Failing here (bad file name, syntax error, wrong export) stops the start with a message naming
 * the file (as `<routes folder name>/<path>`).
 */
import { basename, join, resolve } from "node:path";
import type { ComponentType } from "preact";
import {
  collisionKey,
  compareSegments,
  describeSegments,
  honoPatterns,
  isGroupDir,
  isTestFile,
  moduleExtension,
  overrideSegments,
  parseSegment,
  routeSegments,
  type Segment,
} from "./path_mapping.ts";
import { importModule } from "./import_module.ts";
import {
  type ComponentModule,
  type Handler,
  type Handlers,
  METHODS,
  type RouteConfig,
  type RouteModule,
} from "./types.ts";

// deno-lint-ignore no-explicit-any
type AnyComponent = ComponentType<any>;

/** A `_layout` and what its `config` asks. */
export interface Layout {
  component: AnyComponent;
  config: NonNullable<ComponentModule["config"]>;
}

/** One folder of the routes tree with what it contributes to the routes below it. */
export interface RouteDir {
  relDir: string;
  /** URL path of the folder when it is made of static segments only (no `[param]`, no group). */
  staticPath: string[] | undefined;
  layout: Layout | undefined;
  middlewares: Handler[];
}

/** A page or API route. */
export interface RouteEntry {
  relPath: string;
  /** How errors and logs name the file: `<routes folder name>/<relPath>`. */
  label: string;
  segments: Segment[];
  patterns: string[];
  page: RouteModule["default"];
  handler: Handler | Handlers | undefined;
  config: RouteConfig;
  /** Folders from the root down to the route's own, outer first. */
  dirs: RouteDir[];
}

/** Everything mounted from one routes folder. */
export interface RouteTable {
  routes: RouteEntry[];
  dirs: RouteDir[];
  app: AnyComponent | undefined;
  /** `_error`: every error status without a more specific page. */
  errorPage: AnyComponent | undefined;
  /** `_404`: not found (else `_error`). */
  notFound: AnyComponent | undefined;
  /** `_500`: unexpected errors (else `_error`). */
  serverError: AnyComponent | undefined;
  /** `<routes folder name>/`, the prefix of every label. */
  prefix: string;
}

/** Scans `routesDir` (see the module doc for the conventions). */
export async function scanRoutes(routesDir: string): Promise<RouteTable> {
  const root = resolve(routesDir);
  const table: RouteTable = {
    routes: [],
    dirs: [],
    app: undefined,
    errorPage: undefined,
    notFound: undefined,
    serverError: undefined,
    prefix: `${basename(root)}/`,
  };
  await walk(root, "", [], [], table);
  table.routes.sort((a, b) => compareSegments(a.segments, b.segments) || (a.relPath < b.relPath ? -1 : 1));
  const seen = new Map<string, string>();
  for (const route of table.routes) {
    const key = collisionKey(route.segments);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new Error(
        `${route.label} and ${table.prefix}${other} both answer ${
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
  const label = (file: string) => `${table.prefix}${rel}${file}`;
  const isStatic = ancestors.every((d) => d.staticPath !== undefined) &&
    segments.every((s) => s.kind === "static") && !rel.split("/").some(isGroupDir);
  const dir: RouteDir = {
    relDir: rel,
    staticPath: isStatic ? segments.map((s) => s.kind === "static" ? s.value : "") : undefined,
    layout: undefined,
    middlewares: [],
  };
  const layoutFile = special("_layout");
  if (layoutFile) dir.layout = await loadLayout(join(abs, layoutFile), label(layoutFile));
  const middlewareFile = special("_middleware");
  if (middlewareFile) {
    dir.middlewares = await loadMiddleware(join(abs, middlewareFile), label(middlewareFile));
  }
  if (rel === "") {
    const roots = [["_app", "app"], ["_error", "errorPage"], ["_404", "notFound"], [
      "_500",
      "serverError",
    ]] as const;
    for (const [stem, key] of roots) {
      const file = special(stem);
      if (file) table[key] = await loadComponent(join(abs, file), label(file));
    }
  }
  table.dirs.push(dir);
  const dirs = [...ancestors, dir];
  for (const file of files) {
    if (file.startsWith("_")) continue;
    const relPath = rel + file;
    const fileSegments = routeSegments(relPath, label(file));
    const mod = await importModule(join(abs, file), label(file));
    const { page, handler, config } = validateRoute(mod, label(file));
    const segments = config.routeOverride === undefined
      ? fileSegments
      : overrideSegments(config.routeOverride, label(file));
    table.routes.push({
      relPath,
      label: label(file),
      segments,
      patterns: honoPatterns(segments),
      page,
      handler,
      config,
      dirs,
    });
  }
  for (const name of subdirs) {
    if (name.startsWith("_")) continue;
    const relDir = `${rel}${name}/`;
    const segment = parseSegment(name, `${table.prefix}${relDir}`);
    if (segment?.kind === "rest") {
      throw new Error(
        `${table.prefix}${relDir}: a folder cannot be a catch-all; use a [...${segment.name}].tsx file`,
      );
    }
    await walk(join(abs, name), relDir, segment ? [...segments, segment] : segments, dirs, table);
  }
}

async function loadComponent(path: string, label: string): Promise<AnyComponent> {
  return (await loadLayout(path, label)).component;
}

async function loadLayout(path: string, label: string): Promise<Layout> {
  const mod = await importModule(path, label);
  if (typeof mod.default !== "function") {
    throw new Error(`${label}: must default-export a Preact component (a function returning JSX)`);
  }
  const { routeOverride, ...config } = validateConfig(mod.config, label);
  if (routeOverride !== undefined) throw new Error(`${label}: config.routeOverride is for route files only`);
  return { component: mod.default as AnyComponent, config };
}

const CONFIG_KEYS = { routeOverride: "string", skipInheritedLayouts: "boolean", skipAppWrapper: "boolean" };

function validateConfig(config: unknown, label: string): RouteConfig {
  if (config === undefined) return {};
  if (typeof config !== "object" || config === null) {
    throw new Error(`${label}: \`config\` must be an object such as { skipAppWrapper: true }`);
  }
  for (const [key, value] of Object.entries(config)) {
    const type = CONFIG_KEYS[key as keyof typeof CONFIG_KEYS];
    if (type === undefined) {
      throw new Error(`${label}: config.${key} is not supported; use ${Object.keys(CONFIG_KEYS).join(", ")}`);
    }
    if (typeof value !== type && value !== undefined) {
      throw new Error(`${label}: config.${key} must be a ${type}`);
    }
  }
  return config as RouteConfig;
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
  return {
    page: page as RouteModule["default"],
    handler: handler as Handler | Handlers | undefined,
    config: validateConfig(mod.config, label),
  };
}
