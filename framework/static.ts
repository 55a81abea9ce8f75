/**
 * Serving files: the client build under `/_preau/js/<name>` (content-hashed names, so cached
 * forever) and an optional `static/` folder at the site root (revalidated with an ETag).
 */
import { extname, join, resolve, sep } from "node:path";
import type { Context, MiddlewareHandler } from "hono";
import type { BuildResult } from "./build.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".gif": "image/gif",
  ".html": "text/html; charset=utf-8",
  ".ico": "image/x-icon",
  ".jpeg": "image/jpeg",
  ".jpg": "image/jpeg",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".mjs": "text/javascript; charset=utf-8",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".webp": "image/webp",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".xml": "application/xml",
};

/** Content type for a file name, `application/octet-stream` when unknown. */
export function contentType(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}

/** Handler for `/_preau/js/:name`: one file of the build, or 404. */
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
 * Middleware serving the files under `dir` (listed once, at start) for GET/HEAD; anything else
 * falls through to the routes.
 */
export async function serveStaticDir(dir: string): Promise<MiddlewareHandler> {
  const root = resolve(dir);
  const files = new Set<string>();
  await list(root, "", files);
  return async (c, next) => {
    const method = c.req.method;
    if ((method !== "GET" && method !== "HEAD") || files.size === 0) return await next();
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return await next();
    }
    if (!files.has(path)) return await next();
    const abs = join(root, ...path.split("/"));
    if (!abs.startsWith(root + sep)) return await next();
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(abs);
    } catch {
      return await next();
    }
    const etag = `W/"${info.size.toString(36)}-${(info.mtime?.getTime() ?? 0).toString(36)}"`;
    const headers = new Headers({
      "content-type": contentType(abs),
      "cache-control": "public, max-age=0, must-revalidate",
      etag,
    });
    if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
    headers.set("content-length", String(info.size));
    if (method === "HEAD") return new Response(null, { headers });
    const file = await Deno.open(abs, { read: true });
    return new Response(file.readable, { headers });
  };
}

async function list(abs: string, urlPath: string, files: Set<string>) {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(abs));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const child = `${urlPath}/${entry.name}`;
    if (entry.isDirectory) await list(join(abs, entry.name), child, files);
    else if (entry.isFile) files.add(child);
  }
}
