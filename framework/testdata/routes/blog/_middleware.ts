import { define } from "../../define.ts";

/** Two middlewares as an array: they run in order, after the root one. */
export const handler = define.middleware([
  (ctx) => {
    ctx.state.trail.push("blog1");
    return ctx.next();
  },
  (ctx) => {
    ctx.state.trail.push("blog2");
    return ctx.next();
  },
]);
