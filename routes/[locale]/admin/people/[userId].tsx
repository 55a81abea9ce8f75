/**
 * `/[locale]/admin/people/<userId>`: one member for the establishment's admins — role, status, memberships,
 * last sign-in, open invitation — with the deactivate / reactivate button (`domain/admin.ts`; sockets close
 * at once on every instance). Anyone else gets 404.
 */
import { Head } from "@/framework/mod.ts";
import { isRole, type Membership, type Role } from "@/db/models.ts";
import { AppError } from "@/domain/errors.ts";
import { changeRole, removeFromEstablishment, setPersonActive } from "@/domain/admin.ts";
import { type PersonDetails, personDetails } from "@/domain/people.ts";
import { translator } from "@/i18n/mod.ts";
import { formatFull } from "@/i18n/format.ts";
import { personWithAffiliation } from "@/i18n/affiliation.ts";
import { clientAddress } from "@/server/session.ts";
import { PRIMARY_BUTTON, SECONDARY_BUTTON } from "@/components/styles.ts";
import { adminMembership } from "@/routes/[locale]/_lib/outbox.ts";
import { FIELD_CLASS, LINK_CLASS } from "@/routes/[locale]/_lib/AccountCard.tsx";
import { defineSignedInPage } from "@/routes/[locale]/_lib/state.ts";
import { redirect } from "@/routes/[locale]/_lib/paths.ts";

const ROLES: readonly Role[] = ["admin", "teacher", "parent", "student"];

interface PersonData extends PersonDetails {
  membership: Membership;
  self: boolean;
}

export const handler = defineSignedInPage.handlers<PersonData>({
  async GET(ctx): Promise<Response> {
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    try {
      const details = await personDetails(
        ctx.state.services.db,
        ctx.state.user.id,
        membership.establishmentId,
        ctx.params.userId ?? "",
      );
      return await ctx.render({ ...details, membership, self: details.person.id === ctx.state.user.id });
    } catch (error) {
      if (error instanceof AppError && error.code === "not_found") return await ctx.renderNotFound();
      throw error;
    }
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const form = await ctx.req.formData().catch(() => new FormData());
    const action = String(form.get("action") ?? "");
    const actor = {
      userId: ctx.state.user.id,
      clientAddress: clientAddress(ctx.hono, services.trustedProxies),
    };
    const target = { establishmentId: membership.establishmentId, userId: ctx.params.userId ?? "" };
    const role = String(form.get("role") ?? "");
    try {
      if (action === "deactivate" || action === "reactivate") {
        await setPersonActive(services.db, services.events, actor, {
          ...target,
          active: action === "reactivate",
        });
      } else if (action === "role" && isRole(role)) {
        await changeRole(services.db, services.events, actor, { ...target, role });
      } else if (action === "remove") {
        await removeFromEstablishment(services.db, services.events, actor, target);
        return redirect(`/${ctx.state.locale}/admin/people?establishment=${membership.establishmentId}`, 303);
      } else {
        return new Response("Choose deactivate, reactivate, role (with a role) or remove.", { status: 400 });
      }
    } catch (error) {
      if (error instanceof AppError && error.code === "not_found") return await ctx.renderNotFound();
      throw error;
    }
    return redirect(`${ctx.url.pathname}?establishment=${membership.establishmentId}`, 303);
  },
});

export default defineSignedInPage.page<PersonData>(function PersonPage({ state, data, url }) {
  const t = translator(state.locale);
  const { person } = data;
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{`${person.name} – ${t("title.people")}`}</title>
      </Head>
      <div class="max-w-3xl rounded-2xl bg-white p-6 shadow">
        <p class="text-sm">
          <a
            href={`/${state.locale}/admin/people?establishment=${data.membership.establishmentId}`}
            class={LINK_CLASS}
          >
            {t("people.back")}
          </a>
        </p>
        <h1 class="mt-2 text-xl font-bold text-slate-900" data-person-label>
          {personWithAffiliation({ ...person, affiliation: data.affiliation }, t)}
        </h1>
        <dl class="mt-4 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
          <dt class="font-semibold">{t("people.email")}</dt>
          <dd>{person.email}</dd>
          <dt class="font-semibold">{t("people.role")}</dt>
          <dd>{t(`role.${person.role}`)}</dd>
          <dt class="font-semibold">{t("people.status")}</dt>
          <dd data-person-status={person.deactivated ? "deactivated" : "active"}>
            {person.deactivated ? t("people.deactivated") : t("people.active")}
          </dd>
          <dt class="font-semibold">{t("people.lastActivity")}</dt>
          <dd>
            {person.lastActivity
              ? formatFull(person.lastActivity, state.locale, state.timeZone)
              : t("people.never")}
          </dd>
          <dt class="font-semibold">{t("people.memberships")}</dt>
          <dd>
            <ul>
              {data.memberships.map((m) => (
                <li key={m.establishmentId}>{m.establishmentName} · {t(`role.${m.role}`)}</li>
              ))}
            </ul>
          </dd>
          <dt class="font-semibold">{t("people.invitation")}</dt>
          <dd>
            {data.invitation
              ? t("people.invitationPending", {
                date: formatFull(data.invitation.expiresAt, state.locale, state.timeZone),
              })
              : t("people.noInvitation")}
          </dd>
        </dl>
        {!data.self && (
          <form method="post" action={url.pathname + url.search} class="mt-6 flex flex-wrap items-end gap-3">
            <label class="text-sm font-semibold">
              {t("people.role")}
              <select name="role" class={FIELD_CLASS}>
                {ROLES.map((r) => (
                  <option key={r} value={r} selected={r === person.role}>{t(`role.${r}`)}</option>
                ))}
              </select>
            </label>
            <button type="submit" name="action" value="role" class={SECONDARY_BUTTON}>
              {t("people.changeRole")}
            </button>
            <button type="submit" name="action" value="remove" class={SECONDARY_BUTTON}>
              {t("people.remove")}
            </button>
          </form>
        )}
        {!data.self && (
          <form method="post" action={url.pathname + url.search} class="mt-6">
            {person.deactivated
              ? (
                <button type="submit" name="action" value="reactivate" class={PRIMARY_BUTTON}>
                  {t("people.reactivate")}
                </button>
              )
              : (
                <>
                  <p class="mb-2 text-sm text-slate-600">{t("people.deactivateHint")}</p>
                  <button type="submit" name="action" value="deactivate" class={SECONDARY_BUTTON}>
                    {t("people.deactivate")}
                  </button>
                </>
              )}
          </form>
        )}
      </div>
    </div>
  );
});
