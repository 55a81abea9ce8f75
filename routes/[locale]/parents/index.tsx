/** `/[locale]/parents`: its only section is the messagerie. */
import type { RouteContext } from "../../../framework/mod.ts";
import { redirect } from "../_lib/paths.ts";
import type { PageState } from "../_lib/state.ts";

export const handler = {
  GET: (ctx: RouteContext<PageState>): Response => redirect(`/${ctx.state.locale}/parents/messagerie`),
};
