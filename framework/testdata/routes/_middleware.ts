import type { RouteContext } from "../../mod.ts";

/** Records its passage in state.trail and tags the response on the way out. */
export async function handler(ctx: RouteContext<{ trail?: string[]; mark?: string }>) {
  ctx.state.trail = [...(ctx.state.trail ?? []), "root"];
  ctx.state.mark = "set-by-root";
  const response = await ctx.next();
  response.headers.set("x-root-after", "1");
  return response;
}
