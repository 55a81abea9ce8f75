/** `/[locale]/admin`: its only section is the messagerie. */
import { redirect } from "@/routes/[locale]/_lib/paths.ts";
import { definePage } from "@/routes/[locale]/_lib/state.ts";

export const handler = definePage.handlers({
  GET: (ctx): Response => redirect(`/${ctx.state.locale}/admin/messagerie`),
});
