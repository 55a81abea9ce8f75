/**
 * Answers one request for a scanned route (or for no route: 404): builds the RouteContext, runs the
 * folder middlewares outer first through `ctx.next()`, dispatches on the method, renders pages,
 * and turns errors into the error page: an {@linkcode HttpError} answers its own status, anything
 * else a logged 500 that reveals nothing to the client.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { BuildResult } from "./build.ts";
import {
  HttpError,
  type JsonErrorAnswer,
  methodNotAllowedError,
  notFoundError,
  plainError,
} from "./http_errors.ts";
import { htmlResponse, renderDocument } from "./render.ts";
import type { Layout, RouteDir, RouteEntry, RouteTable } from "./scan.ts";
import {
  type Handler,
  type Handlers,
  type Method,
  METHODS,
  type RouteConfig,
  type RouteContext,
  type State,
} from "./types.ts";

type BaseContext = Omit<RouteContext, "next">;

/** How a {@linkcode RouteHandler} answers. */
export interface HandlerOptions {
  /** Whether errors on this path answer JSON instead of a page. */
  isJsonPath: (pathname: string) => boolean;
  /** The JSON answer on those paths. */
  jsonError: JsonErrorAnswer;
  /** Prefix of log lines. */
  logPrefix: string;
  /** The error to answer for one a route threw (see `FsRoutesOptions.translateError`). */
  translateError: (error: unknown) => unknown;
}

/** Request handling for one mounted routes table. */
export class RouteHandler {
  constructor(
    private readonly table: RouteTable,
    private readonly build: BuildResult | undefined,
    private readonly options: HandlerOptions,
  ) {}

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
            const file = route ? route.label : "a 404";
            throw new Error(`ctx.render() in ${file} has no page to render; export a default component`);
          }
          const chain = layoutChain(dirs, route?.config ?? {});
          const props = { url, params, state, data };
          const html = renderDocument({ app: this.table.app, page, props, build: this.build, ...chain });
          resolve(htmlResponse(html, init));
        }),
      renderNotFound: () =>
        Promise.resolve(this.errorPage(notFoundError(url, c.req.method), 404, url, state)),
    };
    const middlewares = dirs.flatMap((d) => d.middlewares);
    const label = route ? route.label : "the 404 handler";
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
    if (typeof handler === "function") return checked(await handler(ctx), `${route.label} handler`);
    const fn = handler?.[method as Method] ?? (method === "HEAD" ? handler?.GET : undefined);
    if (fn) return checked(await fn(ctx), `${route.label} handler.${method}`);
    if (route.page && (method === "GET" || method === "HEAD")) return ctx.render();
    // Answered as is, not through the error page: a wrong method is a client bug, not a page.
    const allow = allowedMethods(handler, route.page !== undefined);
    return plainError(405, methodNotAllowedError(ctx.url, method, allow), this.jsonAnswer(ctx.url));
  }

  /** How errors on `url` answer in JSON, or undefined where they answer a page. */
  private jsonAnswer(url: URL): JsonErrorAnswer | undefined {
    return this.options.isJsonPath(url.pathname) ? this.options.jsonError : undefined;
  }

  private renderError(thrown: unknown, c: Context, url: URL, state: State): Response {
    const error = this.options.translateError(thrown);
    if (error instanceof HTTPException) return error.getResponse();
    const status = error instanceof HttpError ? error.status : 500;
    // 503 is the app saying "not now" (e.g. its database is restarting), an expected state, not a bug.
    if (status >= 500 && status !== 503) {
      console.error(`${this.options.logPrefix} ${c.req.method} ${url.pathname} failed:`, error);
    }
    return this.errorPage(error, status, url, state);
  }

  /**
   * The error page for `status`: `_404` for a 404 and `_500` for a 500 when they exist, else
   * `_error`; JSON on JSON paths; plain text without a page or when the page fails to render.
   * A 404 page keeps the layouts of the folders the URL is under; other statuses render without
   * layouts, since a layout may be what failed.
   */
  private errorPage(error: unknown, status: number, url: URL, state: State): Response {
    const json = this.jsonAnswer(url);
    const specific = status === 404
      ? this.table.notFound
      : status === 500
      ? this.table.serverError
      : undefined;
    const page = specific ?? this.table.errorPage;
    if (page === undefined || json) return plainError(status, error, json);
    try {
      const chain = status === 404 ? layoutChain(this.dirsFor(url), {}) : { layouts: [], skipApp: false };
      const props = { url, params: {}, state, data: undefined, error, status };
      const html = renderDocument({ app: this.table.app, page, props, build: this.build, ...chain });
      const headers = error instanceof HttpError ? error.headers : undefined;
      return htmlResponse(html, { status, headers });
    } catch (renderError) {
      console.error(`${this.options.logPrefix} rendering the ${status} page failed too:`, renderError);
      return plainError(status, error, json);
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

/**
 * The layouts around a page, outer first, and whether `_app` is skipped: a layout with
 * `skipInheritedLayouts` drops those outside it, a route with it drops all of them.
 */
function layoutChain(
  dirs: RouteDir[],
  config: RouteConfig,
): { layouts: Layout["component"][]; skipApp: boolean } {
  let chain: Layout[] = [];
  if (!config.skipInheritedLayouts) {
    for (const dir of dirs) {
      if (dir.layout === undefined) continue;
      if (dir.layout.config.skipInheritedLayouts) chain = [];
      chain.push(dir.layout);
    }
  }
  return {
    layouts: chain.map((l) => l.component),
    skipApp: (config.skipAppWrapper ?? false) || chain.some((l) => l.config.skipAppWrapper),
  };
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
