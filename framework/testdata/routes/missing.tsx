import type { Handlers } from "../../mod.ts";

export const handler: Handlers = {
  GET: (ctx) => ctx.renderNotFound(),
};
