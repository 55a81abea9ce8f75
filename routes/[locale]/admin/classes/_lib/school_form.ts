/**
 * The one way the school-structure pages (`/[locale]/admin/classes/**`) handle a form: read it, run the
 * domain action as the signed-in admin, then redirect (303) back with `done=`; a refusal re-renders the
 * page with the domain's message and its status, and `not_found` is the 404 page.
 */
import type { RouteContext } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import { AppError } from "@/domain/errors.ts";
import type { Actor } from "@/domain/admin.ts";
import { clientAddress } from "@/server/session.ts";
import { adminMembership } from "@/routes/[locale]/_lib/outbox.ts";
import type { SignedInPageState } from "@/routes/[locale]/_lib/state.ts";
import { redirect } from "@/routes/[locale]/_lib/paths.ts";

/** What an action receives. */
export interface SchoolForm {
  membership: Membership;
  actor: Actor;
  field(name: string): string;
  form: FormData;
}

/**
 * Runs `action` for a POST. It returns the `done` word to redirect with (or a Response of its own);
 * `render(error, status)` shows the page again with the refusal.
 */
export async function handleSchoolForm(
  ctx: RouteContext<SignedInPageState, unknown>,
  action: (f: SchoolForm) => Promise<string | Response>,
  render: (membership: Membership, error: string, status: number) => Promise<Response>,
): Promise<Response> {
  const membership = adminMembership(ctx);
  if (!membership) return await ctx.renderNotFound();
  const form = await ctx.req.formData().catch(() => new FormData());
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const actor = {
    userId: ctx.state.user.id,
    clientAddress: clientAddress(ctx.hono, ctx.state.services.trustedProxies),
  };
  try {
    const done = await action({ membership, actor, field, form });
    if (done instanceof Response) return done;
    const back = new URLSearchParams(ctx.url.search);
    back.set("establishment", membership.establishmentId);
    back.set("done", done);
    return redirect(`${ctx.url.pathname}?${back}`, 303);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    if (error.code === "not_found") return await ctx.renderNotFound();
    return await render(membership, error.message, error.status);
  }
}

/**
 * A GET of a class or pupil page: `load` reads it for the chosen establishment and the page's search
 * (`?q=`, at most 100 characters); `not_found` (another establishment's id) is the 404 page.
 */
export async function showSchoolPage<D extends { membership: Membership; q: string; done?: string }>(
  ctx: RouteContext<SignedInPageState, D>,
  load: (membership: Membership, q: string) => Promise<Omit<D, "membership" | "q" | "done">>,
): Promise<Response> {
  const membership = adminMembership(ctx);
  if (!membership) return await ctx.renderNotFound();
  const q = (ctx.url.searchParams.get("q") ?? "").slice(0, 100);
  try {
    const loaded = await load(membership, q);
    return await ctx.render(
      { ...loaded, membership, q, done: ctx.url.searchParams.get("done") ?? undefined } as D,
    );
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") return await ctx.renderNotFound();
    throw error;
  }
}

/** The `?establishment=` query every link of these pages carries. */
export function establishmentQuery(membership: Membership): string {
  return `establishment=${encodeURIComponent(membership.establishmentId)}`;
}
