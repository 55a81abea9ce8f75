import type { Handler } from "../../../mod.ts";

/** One function for every method. */
export const handler: Handler = (ctx) => Response.json({ method: ctx.req.method });
