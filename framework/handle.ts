/**
 * Answers one request for a scanned route (or for no route: 404): builds the RouteContext, runs the
 * folder middlewares outer first through `ctx.next()`, dispatches on the method, renders pages,
 * and turns unexpected errors into a logged 500 that reveals nothing to the client.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { BuildResult } from "./build.ts";
import { isApiPath, methodNotAllowed, plainNotFound, plainServerError } from "./http_errors.ts";
import { htmlResponse, renderDocument } from "./render.ts";
import type { RouteDir, RouteEntry, RouteTable } from "./scan.ts";
import { type Handler, type Handlers, type Method, METHODS, type RouteContext, type State } from "./types.ts";

type BaseContext = Omit<RouteContext, "next">;

/** Request handling for one mounted routes table. */
export class RouteHandler {
  constructor(private readonly table: RouteTable, private readonly build: BuildResult | undefined) {}

  /** Answers a request matched to `route`. */
  route(c: Context, route: RouteEntry): Promise<Response> {
    const params: Record<string, string> = {};
    for (const segment of route.segments) {
      if (segment.kind !== "static") params[segment.name] = c.req.param(segment.name) ?? "";
    }
    return this.run(c, params, route.dirs, route, (ctx) => this.dispatch(ctx, route));
  }

  /** Answers a request no route matched, through the middlewares of the folders it is under. */
  notFound(c: Context): Promise<Response> {
    const url = new URL(c.req.url);
    return this.run(c, {}, this.dirsFor(url), undefined, (ctx) => ctx.renderNotFound());
  }

  private async run(
    c: Context,
    params: Record<string, string>,
    dirs: RouteDir[],
    route: RouteEntry | undefined,
    final: (ctx: RouteContext) => Promise<Response>,
  ): Promise<Response> {
    const url = new URL(c.req.url);
    const state = stateOf(c);
    const base: BaseContext = {
      req: c.req.raw,
      url,
      params,
      state,
      hono: c,
      // Through a Promise executor so a render error rejects instead of throwing synchronously.
      render: (data, init) =>
        new Promise((resolve) => {
          const page = route?.page;
          if (!page) {
            const file = route ? `routes/${route.relPath}` : "a 404";
            throw new Error(`ctx.render() in ${file} has no page to render; export a default component`);
          }
          const layouts = dirs.flatMap((d) => d.layout ? [d.layout] : []);
          const props = { url, params, state, data };
          const html = renderDocument({ app: this.table.app, layouts, page, props, build: this.build });
          resolve(htmlResponse(html, init));
        }),
      renderNotFound: () => this.renderNotFound(c, url, state),
    };
    const middlewares = dirs.flatMap((d) => d.middlewares);
    const label = route ? `routes/${route.relPath}` : "the 404 handler";
    let response: Response;
    try {
      response = await runChain(base, middlewares, final, label);
    } catch (error) {
      response = this.renderError(error, c, url, state);
    }
    return withContextHeaders(c, response);
  }

  private async dispatch(ctx: RouteContext, route: RouteEntry): Promise<Response> {
    const method = ctx.req.method.toUpperCase();
    const handler = route.handler;
    if (typeof handler === "function") return checked(await handler(ctx), `routes/${route.relPath} handler`);
    const fn = handler?.[method as Method] ?? (method === "HEAD" ? handler?.GET : undefined);
    if (fn) return checked(await fn(ctx), `routes/${route.relPath} handler.${method}`);
    if (route.page && (method === "GET" || method === "HEAD")) return ctx.render();
    return methodNotAllowed(ctx.url, method, allowedMethods(handler, route.page !== undefined));
  }

  private renderNotFound(c: Context, url: URL, state: State): Promise<Response> {
    return new Promise((resolve) => {
      const page = this.table.notFound;
      if (page === undefined || isApiPath(url.pathname)) return resolve(plainNotFound(url, c.req.method));
      const layouts = this.dirsFor(url).flatMap((d) => d.layout ? [d.layout] : []);
      const props = { url, params: {}, state, data: undefined };
      const html = renderDocument({ app: this.table.app, layouts, page, props, build: this.build });
      resolve(htmlResponse(html, { status: 404 }));
    });
  }

  private renderError(error: unknown, c: Context, url: URL, state: State): Response {
    if (error instanceof HTTPException) return error.getResponse();
    console.error(`[preau] ${c.req.method} ${url.pathname} failed:`, error);
    const page = this.table.error;
    if (page === undefined || isApiPath(url.pathname)) return plainServerError(url);
    try {
      const props = { url, params: {}, state, data: undefined, error };
      const html = renderDocument({ app: this.table.app, layouts: [], page, props, build: this.build });
      return htmlResponse(html, { status: 500 });
    } catch (renderError) {
      console.error(`[preau] rendering routes/_500 failed too:`, renderError);
      return plainServerError(url);
    }
  }

  /** Folders made of static segments whose path is a prefix of the URL (root first). */
  private dirsFor(url: URL): RouteDir[] {
    const parts = url.pathname.split("/").filter((p) => p !== "").map(safeDecode);
    return this.table.dirs.filter((d) =>
      d.staticPath !== undefined && d.staticPath.every((s, i) => parts[i] === s)
    );
  }
}

async function runChain(
  base: BaseContext,
  middlewares: Handler[],
  final: (ctx: RouteContext) => Promise<Response>,
  label: string,
): Promise<Response> {
  const step = async (index: number): Promise<Response> => {
    if (index === middlewares.length) {
      const next = () =>
        Promise.reject(new Error(`ctx.next() called in ${label}; only middlewares have a next`));
      return await final({ ...base, next });
    }
    let called = false;
    const ctx: RouteContext = {
      ...base,
      next: () => {
        if (called) return Promise.reject(new Error(`a middleware of ${label} called ctx.next() twice`));
        called = true;
        return step(index + 1);
      },
    };
    return checked(await middlewares[index]!(ctx), `a _middleware handler on the way to ${label}`);
  };
  return await step(0);
}

function checked(response: unknown, label: string): Response {
  if (response instanceof Response) return response;
  throw new Error(`${label} returned ${response === null ? "null" : typeof response}; return a Response`);
}

/**
 * Handlers return plain Responses, but helpers such as hono's `setCookie` write to the context's
 * pending headers; hono merges those only into a response assigned through `c.res`, so do that.
 */
function withContextHeaders(c: Context, response: Response): Response {
  void c.res; // materialises the pending headers so the setter below merges them
  c.res = response;
  return c.res;
}

function allowedMethods(handler: Handlers | Handler | undefined, hasPage: boolean): string[] {
  const defined = new Set<string>(Object.keys(handler ?? {}));
  if (hasPage) defined.add("GET");
  if (defined.has("GET")) defined.add("HEAD");
  return METHODS.filter((m) => defined.has(m));
}

function stateOf(c: Context): State {
  const existing = c.get("state");
  if (existing !== null && typeof existing === "object") return existing;
  const state: State = {};
  c.set("state", state);
  return state;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
