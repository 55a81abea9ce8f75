/**
 * Puts a routes folder on a hono app: the client build under `JS_PREFIX`, the optional static
 * folder, every route (sorted static → `[param]` → `[...rest]`), then a catch-all 404. Because of
 * that catch-all, mount the fs routes LAST; hono handlers and middlewares registered before them
 * still run first (and may prefill `c.set("state", …)`).
 */
import { dirname, join, resolve } from "node:path";
import { Hono } from "hono";
import { buildIslands, type BuildResult, loadBuild } from "./build.ts";
import { JS_PREFIX } from "./constants.ts";
import { RouteHandler } from "./handle.ts";
import { defaultJsonError, type JsonErrorAnswer } from "./http_errors.ts";
import { listIslands, registerIslands } from "./islands.ts";
import { describeSegments } from "./path_mapping.ts";
import { scanRoutes } from "./scan.ts";
import type { SourceOptions } from "./source_hash.ts";
import { serveBuild, serveStaticDir } from "./static.ts";

/** Options of {@linkcode mountFsRoutes}. */
export interface FsRoutesOptions extends SourceOptions {
  /** Folder of route files, scanned once at start. */
  routesDir: string;
  /** Files served as-is at the site root (e.g. `static/favicon.ico` → `/favicon.ico`). Default: none. */
  staticDir?: string;
  /** A client build to serve. Default: `buildDir` if current, else built in memory at start. */
  build?: BuildResult;
  /**
   * Development: always build in memory, unminified, ignoring `buildDir`. Default `false`. With
   * `deno run --watch=…`, each restart rebuilds, which is the whole dev story.
   */
  dev?: boolean;
  /** Where `buildIslands({ outDir })` wrote the prebuilt client. Default: `_build/` beside `islandsDir`. */
  buildDir?: string;
  /**
   * Paths whose errors (404, 405, 500, a thrown `HttpError`) answer JSON
   * `{"error":{"code","message"}}` instead of a page, e.g. a REST API. Default: none.
   */
  isJsonPath?: (pathname: string) => boolean;
  /**
   * The JSON answer on those paths, to use the app's own error vocabulary. Default
   * `{"error":{"code","message"}}` with the code of a thrown `HttpError`, else one from the status
   * (`404` → `not_found`, `405` → `method_not_allowed`, `500` → `internal_error`; see `errorCode`).
   */
  jsonError?: JsonErrorAnswer;
  /**
   * Turns an error a route threw into the one to answer, before the status is chosen: e.g. an app's
   * "service unavailable" errors into an `HttpError(503)`, so they get their page and no stack trace.
   * Default: the error as thrown.
   */
  translateError?: (error: unknown) => unknown;
}

const LOG_PREFIX = "[fs-routes]";

/** What was mounted, for logs and tests. */
export interface MountedRoutes {
  /** Route paths in registration order, e.g. `/users/:id`, with their files. */
  routes: { path: string; file: string }[];
  islands: string[];
  build: BuildResult | undefined;
}

/** Any hono app, whatever its env, schema and base path types. */
// deno-lint-ignore no-explicit-any
type AnyHono = Hono<any, any, any>;

/** Scans `routesDir` and registers everything on `app` (see the module doc). */
export async function mountFsRoutes(app: AnyHono, options: FsRoutesOptions): Promise<MountedRoutes> {
  const islands = await listIslands(options.islandsDir);
  const build = options.build ?? (islands.length > 0 ? await obtainBuild(options) : undefined);
  await registerIslands(islands);
  const table = await scanRoutes(options.routesDir);
  const handler = new RouteHandler(table, build, {
    isJsonPath: options.isJsonPath ?? (() => false),
    jsonError: options.jsonError ?? defaultJsonError,
    logPrefix: LOG_PREFIX,
    translateError: options.translateError ?? ((error) => error),
  });

  app.get(`${JS_PREFIX}:name`, serveBuild(build));
  if (options.staticDir !== undefined) app.use("*", await serveStaticDir(options.staticDir));
  for (const route of table.routes) {
    for (const pattern of route.patterns) app.all(pattern, (c) => handler.route(c, route));
  }
  app.all("*", (c) => handler.notFound(c));

  return {
    routes: table.routes.map((r) => ({ path: describeSegments(r.segments), file: r.label })),
    islands: islands.map((i) => i.name),
    build,
  };
}

/** A new hono app with only the fs routes, for `app.route("/", await createRoutes(opts))`. */
export async function createRoutes(options: FsRoutesOptions): Promise<Hono> {
  const app = new Hono();
  await mountFsRoutes(app, options);
  return app;
}

async function obtainBuild(options: FsRoutesOptions): Promise<BuildResult> {
  if (!options.dev) {
    const dir = options.buildDir ?? join(dirname(resolve(options.islandsDir)), "_build");
    const loaded = await loadBuild(dir, options);
    if (loaded.status === "ok") return loaded.build;
    if (loaded.status === "stale") {
      console.warn(
        `${LOG_PREFIX} ${dir} was built from other sources than the current islands; building in memory`,
      );
    }
  }
  const started = performance.now();
  const { islandsDir, sourceDir, ignoreDirs } = options;
  const build = await buildIslands({ islandsDir, sourceDir, ignoreDirs, minify: !options.dev });
  if (options.dev) {
    console.log(
      `${LOG_PREFIX} built ${build.islands.length} islands in ${Math.round(performance.now() - started)} ms`,
    );
  }
  return build;
}
