import type { RouteContext } from "../../../mod.ts";

export async function handler(ctx: RouteContext<{ trail: string[] }>) {
  ctx.state.trail.push("api");
  const response = await ctx.next();
  response.headers.set("x-api-trail", ctx.state.trail.join(">"));
  return response;
}
