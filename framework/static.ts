/**
 * Serving files: the client build under `JS_PREFIX<name>` (content-hashed names, so cached
 * forever) and an optional static folder at the site root (revalidated with an ETag).
 *
 * The static folder goes through hono's `serveStatic` (`hono/deno`) and `etag` middlewares. The
 * build does not: it lives in memory (`deno task dev` and a start without `_build/` never write it
 * to disk), while `serveStatic` reads files; and a missing build file must answer a bare,
 * uncached 404 rather than fall through to the app's 404 page, so a browser never caches HTML
 * under a script's name.
 */
import { resolve } from "node:path";
import type { Context, MiddlewareHandler } from "hono";
import { serveStatic } from "hono/deno";
import { etag } from "hono/etag";
import { getMimeType } from "hono/utils/mime";
import type { BuildResult } from "./build.ts";
import { entriesOf } from "./fs.ts";

/** Content type for a file name (hono's table), `application/octet-stream` when unknown. */
export function contentType(name: string): string {
  return getMimeType(name) ?? "application/octet-stream";
}

/** Handler for `JS_PREFIX:name`: one file of the build, or 404. */
export function serveBuild(build: BuildResult | undefined) {
  return (c: Context): Response => {
    const name = c.req.param("name") ?? "";
    const contents = build?.files.get(name);
    if (contents === undefined) {
      return new Response("Not Found", { status: 404, headers: { "cache-control": "no-store" } });
    }
    return new Response(contents as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": contentType(name),
        "cache-control": "public, max-age=31536000, immutable",
      },
    });
  };
}

/**
 * Middleware serving the files under `dir` for GET/HEAD; anything else falls through to the routes.
 * The files are listed once, at start, so a page request costs a set lookup, never a disk access
 * (and nothing outside the listed files can be reached, whatever the path).
 */
export async function serveStaticDir(dir: string): Promise<MiddlewareHandler> {
  const root = resolve(dir);
  const files = new Set<string>();
  await list(root, "", files);
  const serve = serveStatic({
    root,
    onFound: (_path, c) => c.header("cache-control", "public, max-age=0, must-revalidate"),
  });
  const tagged = etag({ weak: true });
  return async (c, next) => {
    const method = c.req.method;
    if ((method !== "GET" && method !== "HEAD") || !files.has(safeDecode(c.req.path))) return await next();
    // Called outside hono's compose, so the served response is put on `c.res` by hand for `etag`.
    await tagged(c, async () => {
      const served = await serve(c, next);
      if (served instanceof Response) c.res = served;
    });
    return c.res;
  };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return "";
  }
}

async function list(abs: string, urlPath: string, files: Set<string>) {
  for (const entry of await entriesOf(abs)) {
    if (entry.name.startsWith(".")) continue;
    const child = `${urlPath}/${entry.name}`;
    if (entry.isDirectory) await list(`${abs}/${entry.name}`, child, files);
    else if (entry.isFile) files.add(child);
  }
}
