/**
 * `/[locale]/admin/invitations`: an establishment's admins invite people (email, name, role; the mail
 * carries a single-use link valid 7 days) and see the open invitations, expired ones included, to resend
 * (a new link; the old one stops working) or withdraw. Everything goes through `domain/invitations.ts`,
 * which checks the caller is an admin there and records each step in the audit log. Anyone else: 404.
 */
import { Head } from "@/framework/mod.ts";
import type { Membership, Role } from "@/db/models.ts";
import type { Invitation } from "@/db/invitations.ts";
import { AppError } from "@/domain/errors.ts";
import {
  invite,
  listInvitations,
  resendInvitation,
  revokeInvitation,
  stateOf,
} from "@/domain/invitations.ts";
import { translator } from "@/i18n/mod.ts";
import { formatFull } from "@/i18n/format.ts";
import { clientAddress } from "@/server/session.ts";
import { PRIMARY_BUTTON, SECONDARY_BUTTON } from "@/components/styles.ts";
import { adminMembership } from "@/routes/[locale]/_lib/outbox.ts";
import { FIELD_CLASS, FormAlert, LABEL_CLASS } from "@/routes/[locale]/_lib/AccountCard.tsx";
import { defineSignedInPage } from "@/routes/[locale]/_lib/state.ts";
import { redirect } from "@/routes/[locale]/_lib/paths.ts";

const ROLES: readonly Role[] = ["parent", "teacher", "student", "admin"];

interface InvitationsData {
  membership: Membership;
  invitations: Invitation[];
  /** The refusal of the last form, in the domain's words (they name the field). */
  error?: string;
  /** What the invite form held when it was refused, to fill it again. */
  form?: { email: string; name: string; role: string };
  done?: "sent" | "resent" | "revoked";
}

export const handler = defineSignedInPage.handlers<InvitationsData>({
  async GET(ctx): Promise<Response> {
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const done = ctx.url.searchParams.get("done");
    return await ctx.render({
      membership,
      invitations: await listInvitations(
        ctx.state.services.db,
        ctx.state.user.id,
        membership.establishmentId,
      ),
      done: done === "sent" || done === "resent" || done === "revoked" ? done : undefined,
    });
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const form = await ctx.req.formData().catch(() => new FormData());
    const field = (name: string) => String(form.get(name) ?? "");
    const actor = {
      userId: ctx.state.user.id,
      clientAddress: clientAddress(ctx.hono, services.trustedProxies),
    };
    const establishmentId = membership.establishmentId;
    const action = field("action");
    const back = (done: string) =>
      redirect(`${ctx.url.pathname}?establishment=${establishmentId}&done=${done}`, 303);
    try {
      if (action === "invite") {
        await invite(services.db, services.mail, actor, {
          establishmentId,
          email: field("email"),
          name: field("name"),
          role: field("role"),
          locale: ctx.state.locale,
        });
        return back("sent");
      }
      const invitationId = field("invitationId");
      if (action === "resend") {
        await resendInvitation(services.db, services.mail, actor, {
          establishmentId,
          invitationId,
          locale: ctx.state.locale,
        });
        return back("resent");
      }
      if (action === "revoke") {
        await revokeInvitation(services.db, actor, { establishmentId, invitationId });
        return back("revoked");
      }
      return new Response("Choose invite, resend or revoke.", { status: 400 });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const invitations = await listInvitations(services.db, actor.userId, establishmentId);
      return await ctx.render({
        membership,
        invitations,
        error: error.message,
        form: { email: field("email"), name: field("name"), role: field("role") },
      }, { status: error.status });
    }
  },
});

export default defineSignedInPage.page<InvitationsData>(function InvitationsPage({ state, data, url }) {
  const t = translator(state.locale);
  const now = new Date();
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{`${t("invitations.heading")} – ${data.membership.establishmentName}`}</title>
      </Head>
      <div class="max-w-3xl rounded-2xl bg-white p-6 shadow">
        <h1 class="text-xl font-bold text-slate-900">{t("invitations.heading")}</h1>
        <p class="mt-1 text-sm text-slate-600">{t("invitations.intro")}</p>
        {data.done && (
          <p role="status" data-invitations-done={data.done} class="mt-4 text-sm font-medium text-green-800">
            {t(`invitations.done.${data.done}`)}
          </p>
        )}
        <form method="post" action={url.pathname + url.search} class="mt-4" data-invite-form>
          {data.error && <FormAlert id="invite-error" message={data.error} />}
          <label class={LABEL_CLASS} for="invite-email">{t("people.email")}</label>
          <input
            id="invite-email"
            name="email"
            type="email"
            required
            value={data.form?.email ?? ""}
            class={FIELD_CLASS}
          />
          <label class={LABEL_CLASS} for="invite-name">{t("invitations.name")}</label>
          <input id="invite-name" name="name" required value={data.form?.name ?? ""} class={FIELD_CLASS} />
          <label class={LABEL_CLASS} for="invite-role">{t("people.role")}</label>
          <select id="invite-role" name="role" class={FIELD_CLASS}>
            {ROLES.map((r) => (
              <option key={r} value={r} selected={r === data.form?.role}>{t(`role.${r}`)}</option>
            ))}
          </select>
          <button type="submit" name="action" value="invite" class={`mt-6 ${PRIMARY_BUTTON}`}>
            {t("invitations.send")}
          </button>
        </form>
        <h2 class="mt-8 text-lg font-semibold text-slate-900">{t("invitations.open")}</h2>
        {data.invitations.length === 0
          ? <p class="mt-2 text-sm text-slate-600">{t("invitations.none")}</p>
          : (
            <ul class="mt-2 divide-y divide-slate-200">
              {data.invitations.map((invitation) => {
                const expired = stateOf(invitation, now) === "expired";
                return (
                  <li
                    key={invitation.id}
                    class="flex flex-wrap items-center gap-3 py-3"
                    data-invitation={invitation.email}
                  >
                    <div class="min-w-0 flex-1">
                      <p class="font-medium text-slate-900">
                        {invitation.name} · {t(`role.${invitation.role}`)}
                      </p>
                      <p class="text-sm text-slate-600">
                        {invitation.email} · {expired ? t("invitations.expired") : t("invitations.until", {
                          date: formatFull(invitation.expiresAt, state.locale, state.timeZone),
                        })}
                      </p>
                    </div>
                    <form method="post" action={url.pathname + url.search} class="flex gap-2">
                      <input type="hidden" name="invitationId" value={invitation.id} />
                      <button type="submit" name="action" value="resend" class={SECONDARY_BUTTON}>
                        {t("invitations.resend")}
                      </button>
                      <button type="submit" name="action" value="revoke" class={SECONDARY_BUTTON}>
                        {t("invitations.revoke")}
                      </button>
                    </form>
                  </li>
                );
              })}
            </ul>
          )}
      </div>
    </div>
  );
});
