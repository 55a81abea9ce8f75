import type { RouteContext } from "../../../mod.ts";

/** Answers by itself unless the request carries the pass header. */
export function handler(ctx: RouteContext) {
  if (ctx.req.headers.get("x-pass") !== "yes") return new Response("stopped by middleware", { status: 401 });
  return ctx.next();
}
