import type { Handlers } from "../../../mod.ts";

export const handler: Handlers = {
  GET: () => Response.json({ items: ["a", "b"] }),
  POST: async (ctx) => Response.json({ created: await ctx.req.json() }, { status: 201 }),
};
