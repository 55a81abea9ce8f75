/**
 * `/[locale]/invitation?token=…`: the link of an invitation mail (see `domain/invitations.ts`). Someone
 * without an account chooses a password and language and is signed in; someone with an account signs in
 * (the login brings them back here) and accepts. A used, withdrawn, expired or unknown link gets a page
 * that says which, and what to do.
 */
import { AppError } from "@/domain/errors.ts";
import { acceptInvitation, invitationLink, type InvitationState } from "@/domain/invitations.ts";
import { MIN_PASSWORD_LENGTH } from "@/domain/schemas.ts";
import { isLocale, type MessageKey, translator } from "@/i18n/mod.ts";
import { clientAddress, signIn } from "@/server/session.ts";
import { PRIMARY_BUTTON } from "@/components/styles.ts";
import {
  AccountCard,
  FIELD_CLASS,
  FormAlert,
  LABEL_CLASS,
  LINK_CLASS,
  NewPasswordField,
  tokenOf,
} from "./_lib/AccountCard.tsx";
import { loginPath, redirect } from "./_lib/paths.ts";
import { definePage, type PageState } from "./_lib/state.ts";

interface InvitationData {
  state: InvitationState;
  establishmentName?: string;
  name?: string;
  email?: string;
  hasAccount: boolean;
  error?: MessageKey;
}

const CLOSED: Record<Exclude<InvitationState, "open">, MessageKey> = {
  accepted: "invitation.accepted",
  revoked: "invitation.revoked",
  expired: "invitation.expired",
  unknown: "invitation.unknown",
};

async function load(state: PageState, url: URL): Promise<InvitationData> {
  const link = await invitationLink(state.services.db, tokenOf(url));
  return {
    state: link.state,
    establishmentName: link.invitation?.establishmentName,
    name: link.invitation?.name,
    email: link.invitation?.email,
    hasAccount: link.hasAccount,
  };
}

function statusOf(state: InvitationState): number {
  return state === "open" ? 200 : state === "unknown" ? 404 : 410;
}

export const handler = definePage.handlers<InvitationData>({
  async GET(ctx): Promise<Response> {
    const data = await load(ctx.state, ctx.url);
    return await ctx.render(data, { status: statusOf(data.state) });
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const form = await ctx.req.formData().catch(() => new FormData());
    const password = form.get("password");
    const locale = String(form.get("locale") ?? "");
    const body = {
      token: tokenOf(ctx.url),
      password: typeof password === "string" ? password : undefined,
      locale: isLocale(locale) ? locale : undefined,
    };
    try {
      const accepted = await acceptInvitation(
        services.db,
        body,
        ctx.state.user?.id,
        clientAddress(ctx.hono, services.trustedProxies),
      );
      if (accepted.created) {
        await signIn(ctx.hono, services, { email: accepted.user.email, password: body.password ?? "" });
      }
      return redirect(`/${accepted.created ? accepted.user.locale : ctx.state.locale}`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const data = await load(ctx.state, ctx.url);
      if (error.code === "bad_request") {
        return await ctx.render({ ...data, error: "invitation.error.password" }, { status: 400 });
      }
      if (error.code === "unauthorized" || error.code === "forbidden") {
        return await ctx.render({ ...data, error: "invitation.error.account" }, { status: error.status });
      }
      if (error.code === "gone" || error.code === "not_found") {
        return await ctx.render(data, { status: statusOf(data.state) });
      }
      throw error;
    }
  },
});

export default definePage.page<InvitationData>(function InvitationPage({ state, data, url }) {
  const t = translator(state.locale);
  const here = url.pathname + url.search;
  const signedInAsInvitee = state.user !== undefined &&
    state.user.email.toLowerCase() === data.email?.toLowerCase();
  return (
    <AccountCard locale={state.locale} title={t("title.invitation")} heading={t("invitation.heading")} wide>
      {data.state !== "open"
        ? (
          <p role="alert" data-invitation-state={data.state} class="mt-4 text-slate-800">
            {t(CLOSED[data.state])}{" "}
            <a href={`/${state.locale}/login`} class={LINK_CLASS}>{t("setup.toLogin")}</a>
          </p>
        )
        : (
          <div data-invitation-state="open">
            <p class="mt-2 text-slate-800">
              {t("invitation.intro", { name: data.name ?? "", establishment: data.establishmentName ?? "" })}
            </p>
            {data.error && <FormAlert id="invitation-error" message={t(data.error)} />}
            {!data.hasAccount && (
              <form method="post" action={here}>
                <p class="mt-4 text-sm text-slate-600">
                  {t("invitation.newAccount", { email: data.email ?? "" })}
                </p>
                <NewPasswordField
                  label={t("setup.password")}
                  hint={t("setup.passwordHint", { count: MIN_PASSWORD_LENGTH })}
                  errorId={data.error ? "invitation-error" : undefined}
                />
                <label class={LABEL_CLASS} for="locale">{t("invitation.locale")}</label>
                <select id="locale" name="locale" class={FIELD_CLASS}>
                  <option value="fr" selected={state.locale === "fr"}>Français</option>
                  <option value="en" selected={state.locale === "en"}>English</option>
                </select>
                <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>
                  {t("invitation.create")}
                </button>
              </form>
            )}
            {data.hasAccount && signedInAsInvitee && (
              <form method="post" action={here}>
                <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>
                  {t("invitation.accept")}
                </button>
              </form>
            )}
            {data.hasAccount && !signedInAsInvitee && (
              <p class="mt-4 text-slate-800">
                {t("invitation.signInFirst", { email: data.email ?? "" })}{" "}
                <a href={loginPath(state.locale, here)} class={LINK_CLASS}>{t("setup.toLogin")}</a>
              </p>
            )}
          </div>
        )}
    </AccountCard>
  );
});
