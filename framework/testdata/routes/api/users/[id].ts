import type { Handlers } from "../../../../mod.ts";

export const handler: Handlers = {
  GET: (ctx) => Response.json({ id: ctx.params.id }),
};
