/**
 * Public types of the route conventions. Route files, layouts and middlewares are typed against
 * these; the framework itself only sees modules as {@linkcode RouteModule} & co.
 */
import type { ComponentType, VNode } from "preact";
import type { Context } from "hono";

/** Per-request mutable object shared by middlewares, handlers, layouts and pages. */
export type State = Record<string, unknown>;

declare module "hono" {
  interface ContextVariableMap {
    /**
     * The request's {@linkcode State}. Code mounted before the fs routes may prefill it with
     * `c.set("state", {...})`; the framework then uses that very object.
     */
    state: State;
  }
}

/** Props of a page component (the default export of a route file). */
export interface PageProps<Data = unknown, S = State> {
  url: URL;
  /** Decoded values of `[param]` and `[...rest]` segments. */
  params: Record<string, string>;
  state: S;
  /** What the handler passed to `ctx.render(data)`; `undefined` when GET rendered the page directly. */
  data: Data;
}

/** Props of `_layout.tsx`: `Component` renders the next layout or the page. */
export type LayoutProps<Data = unknown, S = State> = PageProps<Data, S> & { Component: ComponentType };

/** Props of `_app.tsx`, which renders the whole document. */
export type AppProps<Data = unknown, S = State> = PageProps<Data, S> & { Component: ComponentType };

/**
 * Props of `_error.tsx` (and of `_500.tsx`). `error` is what was thrown (an {@linkcode HttpError}
 * for a 404 or an `HttpError` a handler threw); `status` is the response status: the error's own
 * status for an `HttpError`, else 500. Never render an error's stack for users.
 */
export type ErrorPageProps<S = State> = PageProps<undefined, S> & { error: unknown; status: number };

/**
 * What a route file (or a `_layout`) may export as `config`, as in Fresh:
 * - `routeOverride`: the URL pattern to answer instead of the one its file path gives, made of
 *   static parts, `:name` parameters and a final `:name*` catch-all (e.g. `"/books/:id"`). It
 *   still runs the middlewares and layouts of the folder the file is in.
 * - `skipInheritedLayouts`: render without the `_layout`s of the folders above (for a route: all
 *   of them; for a layout: those outside it).
 * - `skipAppWrapper`: render without `_app`; the page (or layout) then renders `<html>` itself.
 */
export interface RouteConfig {
  routeOverride?: string;
  skipInheritedLayouts?: boolean;
  skipAppWrapper?: boolean;
}

/** What handlers and middlewares receive. */
export interface RouteContext<S = State, Data = unknown> {
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: S;
  /** The underlying hono context, for cookies, `c.json`, `c.env` and the like. */
  hono: Context;
  /** Renders the route's page (inside its layouts and `_app`) with `data` as `props.data`. */
  render(data?: Data, init?: ResponseInit): Promise<Response>;
  /** Renders the 404 page (`_404`, else `_error`; JSON on the app's `jsonPaths`) with status 404. */
  renderNotFound(): Promise<Response>;
  /** Middleware only: runs the next middleware, or the route itself, and returns its response. */
  next(): Promise<Response>;
}

/** A handler for every method of a route, or a middleware. */
export type Handler<S = State, Data = unknown> = (
  ctx: RouteContext<S, Data>,
) => Response | Promise<Response>;

/** Methods a handler object may define. HEAD falls back to GET. */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type Method = typeof METHODS[number];

/** Per-method handlers; a missing method answers 405 with an `Allow` header. */
export type Handlers<S = State, Data = unknown> = { [M in Method]?: Handler<S, Data> };

/** What a route file may export. */
export interface RouteModule {
  // deno-lint-ignore no-explicit-any
  default?: (props: PageProps<any, any>) => VNode | null;
  // deno-lint-ignore no-explicit-any
  handler?: Handler<any, any> | Handlers<any, any>;
  config?: RouteConfig;
}

/** What `_middleware.ts` exports. */
export interface MiddlewareModule {
  // deno-lint-ignore no-explicit-any
  handler: Handler<any> | Handler<any>[];
}

/** What `_layout`, `_app`, `_error`, `_404` and `_500` export (`config`: layouts only). */
export interface ComponentModule {
  // deno-lint-ignore no-explicit-any
  default: (props: any) => VNode | null;
  config?: Omit<RouteConfig, "routeOverride">;
}
