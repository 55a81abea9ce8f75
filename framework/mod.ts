/**
 * A Fresh-2-like islands layer on hono + Preact (Fresh itself is not installable here). It knows
 * nothing of the app using it: folder names, JSON paths and build sources are options.
 *
 * ## Mounting
 * ```ts
 * const app = new Hono();
 * app.use(async (c, next) => { c.set("state", { user }); await next(); }); // optional
 * await mountFsRoutes(app, { routesDir: "routes", islandsDir: "islands", staticDir: "static" });
 * Deno.serve(app.fetch);
 * ```
 * `mountFsRoutes(app, opts): Promise<MountedRoutes>` scans `routesDir` once at start and registers
 * everything, ending with a catch-all 404: mount it LAST. `createRoutes(opts): Promise<Hono>` does
 * the same on a new app, for `app.route("/", …)`. Options: see {@linkcode FsRoutesOptions}
 * (`isJsonPath` makes paths such as a REST API answer their errors in JSON; `sourceDir` and
 * `ignoreDirs` say which sources the client build is made from).
 * Needs `--unstable-bundle` when islands exist and no current prebuilt build is present.
 *
 * ## Route files (`routesDir`)
 * - `index.tsx` → `/`, `about.tsx` → `/about`, `[id].tsx` → `/:id`, `[...rest].tsx` → the folder
 *   and everything below (`params.rest` = `"a/b"`, or `""`), `(group)/x.tsx` → `/x`.
 *   Static segments win over `[param]`, which wins over `[...rest]`. `*_test.ts` files and files
 *   or folders starting with `_` (other than the special ones) are not routes.
 * - A route exports `default` (a page, `(props: PageProps) => JSX`) and/or `handler`: a function
 *   for every method, or `{ GET, POST, PUT, PATCH, DELETE, … }`. Without a GET handler, GET renders
 *   the page. A method without handler answers 405 + `Allow` (plain text, or JSON on `isJsonPath`
 *   paths). Handlers receive a {@linkcode RouteContext} and return a `Response`;
 *   `ctx.render(data)` renders the page with `props.data = data`; `ctx.renderNotFound()` answers
 *   the 404. {@linkcode createDefine} types them: `define.handlers({...})`, `define.page(...)`.
 * - A route may export `config` ({@linkcode RouteConfig}): `routeOverride` (another URL pattern),
 *   `skipInheritedLayouts`, `skipAppWrapper`; a `_layout` may export the last two.
 * - `_middleware.ts` exports `handler` (function or array) applying to its folder and below, outer
 *   first; call `await ctx.next()` to continue. Unmatched URLs still run the middlewares of the
 *   static folders they fall under (e.g. `admin/_middleware.ts` for `/admin/nope`).
 * - `_layout.tsx` (props `LayoutProps`: page props + `Component`) wraps its folder's pages, outer
 *   first. Root-only: `_app.tsx` (the `<html>` document, `AppProps`) and the error pages
 *   (`ErrorPageProps`: `error` and `status`): `_error.tsx` for every error status, `_404.tsx` and
 *   `_500.tsx` preferred for their status when present. A handler or middleware throws
 *   {@linkcode HttpError} to answer a status through them; anything else thrown is a 500, logged
 *   and never shown. On `isJsonPath` paths errors answer JSON `{"error":{"code","message"}}`
 *   instead. A thrown hono `HTTPException` answers its own response.
 * - `ctx.state` is one mutable object per request (hono's `c.get("state")`, created if absent):
 *   mutate it, do not reassign it.
 * - `<Head><title>…</title></Head>` adds to `<head>` from anywhere in the server render; its title
 *   replaces `_app`'s. Import it from `framework/head.tsx` in code that islands use.
 *
 * ## Islands (`islandsDir`)
 * Each top-level `*.tsx` default export is an island. On the server it renders inside
 * `<x-island>` (`ISLAND_TAG`) and its props go into one `<script type="application/json">`
 * (`STATE_ID`; devalue: Date, Map, Set, undefined… survive; a `Signal` passed to several islands is
 * one shared signal in the browser; functions cannot be props). `children` passed from the server
 * render as static HTML. Pages that render no island ship no script at all.
 * `buildIslands({ islandsDir, outDir?, minify?, sourceDir?, ignoreDirs? })` makes the one
 * code-split client bundle (`boot-<hash>.js` + hashed chunks, served immutable from `JS_PREFIX`);
 * with `outDir` it also writes the files and a `manifest.json` that later starts reuse while the
 * sources are unchanged.
 *
 * ## Styles
 * Tailwind classes via twind ({@linkcode twindConfig}): the CSS of the classes in the HTML is
 * inlined into `<style data-twind>`; the browser's twind (in the same bundle) handles new classes.
 *
 * @module
 */
export { createRoutes, type FsRoutesOptions, type MountedRoutes, mountFsRoutes } from "./mount.ts";
export {
  buildIslands,
  type BuildOptions,
  type BuildResult,
  IslandBuildError,
  loadBuild,
  type LoadedBuild,
} from "./build.ts";
export { clientSourceHash } from "./source_hash.ts";
export { Head } from "./head.tsx";
export { twindConfig } from "./twind.ts";
export { deserialize, serialize } from "./serialize.ts";
export {
  defaultJsonError,
  errorCode,
  HttpError,
  type HttpErrorOptions,
  jsonError,
  type JsonErrorAnswer,
} from "./http_errors.ts";
export { createDefine, type Define } from "./define.ts";
export type { SourceOptions } from "./source_hash.ts";
export { ISLAND_TAG, JS_PREFIX, SLOT_TAG, STATE_ID } from "./constants.ts";
export type {
  AppProps,
  ErrorPageProps,
  Handler,
  Handlers,
  LayoutProps,
  Method,
  MiddlewareModule,
  PageProps,
  RouteConfig,
  RouteContext,
  RouteModule,
  State,
} from "./types.ts";
