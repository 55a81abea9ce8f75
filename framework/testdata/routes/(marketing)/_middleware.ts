import type { RouteContext } from "../../../mod.ts";

export function handler(ctx: RouteContext<{ trail: string[] }>) {
  ctx.state.trail.push("marketing");
  return ctx.next();
}
