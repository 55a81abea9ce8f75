/**
 * Typed route definitions, as Fresh 2's `createDefine<State>()`: make one `define` per state shape
 * (e.g. in a shared `state.ts`) and wrap route exports in it, so `ctx.state` and `props.state` are
 * typed without annotating every parameter:
 * ```ts
 * export const define = createDefine<{ user: User }>();
 * export const handler = define.handlers({ GET: (ctx) => Response.json(ctx.state.user) });
 * export default define.page((props) => <p>{props.state.user.name}</p>);
 * ```
 * Every function returns its argument unchanged: it only carries the types.
 */
import type { VNode } from "preact";
import type { Handler, Handlers, LayoutProps, PageProps, RouteConfig, State } from "./types.ts";

/** The helpers {@linkcode createDefine} returns, all bound to one state type `S`. */
export interface Define<S> {
  /** A page (a route's default export); `Data` is what its handler passes to `ctx.render`. */
  page<Data = unknown>(
    page: (props: PageProps<Data, S>) => VNode | null,
  ): (props: PageProps<Data, S>) => VNode | null;
  /** A `_layout` default export. */
  layout(
    layout: (props: LayoutProps<unknown, S>) => VNode | null,
  ): (props: LayoutProps<unknown, S>) => VNode | null;
  /** A route's `handler`: per-method functions, or one function for every method. */
  handlers<Data = unknown>(handlers: Handlers<S, Data>): Handlers<S, Data>;
  handlers<Data = unknown>(handler: Handler<S, Data>): Handler<S, Data>;
  /** A `_middleware` `handler` (one function or several, outer first). */
  middleware(middleware: Handler<S>): Handler<S>;
  middleware(middlewares: Handler<S>[]): Handler<S>[];
  /** A route's `config` (see {@linkcode RouteConfig}). */
  config(config: RouteConfig): RouteConfig;
}

/** Route helpers typed with the state `S` that the middlewares in front of them guarantee. */
export function createDefine<S = State>(): Define<S> {
  // deno-lint-ignore no-explicit-any
  const same = <T>(value: T): any => value;
  return { page: same, layout: same, handlers: same, middleware: same, config: same };
}
