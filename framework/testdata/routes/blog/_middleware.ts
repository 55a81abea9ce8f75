import type { RouteContext } from "../../../mod.ts";

type S = { trail: string[] };

/** Two middlewares as an array: they run in order, after the root one. */
export const handler = [
  (ctx: RouteContext<S>) => {
    ctx.state.trail.push("blog1");
    return ctx.next();
  },
  (ctx: RouteContext<S>) => {
    ctx.state.trail.push("blog2");
    return ctx.next();
  },
];
