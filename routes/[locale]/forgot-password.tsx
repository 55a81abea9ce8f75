/**
 * `/[locale]/forgot-password`: asks for a password reset link by email (`domain/password_reset.ts`). A
 * plain form; after a valid request the page always says the same thing, account or not.
 */
import { AppError } from "@/domain/errors.ts";
import { isStorable } from "@/domain/text.ts";
import { type MessageKey, translator } from "@/i18n/mod.ts";
import { clientAddress } from "@/server/session.ts";
import { PRIMARY_BUTTON } from "@/components/styles.ts";
import { AccountCard, EmailField, FormAlert, LINK_CLASS } from "./_lib/AccountCard.tsx";
import { definePage } from "./_lib/state.ts";

interface ForgotData {
  email: string;
  sent?: boolean;
  error?: MessageKey;
}

export const handler = definePage.handlers<ForgotData>({
  GET(ctx): Promise<Response> | Response {
    return ctx.render({ email: "" });
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const form = await ctx.req.formData().catch(() => new FormData());
    const email = String(form.get("email") ?? "");
    const shown = isStorable(email) ? email.trim().slice(0, 254) : "";
    try {
      await services.passwordReset.request({ email }, clientAddress(ctx.hono, services.trustedProxies));
      return await ctx.render({ email: shown, sent: true }, { status: 202 });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === "rate_limited") {
        return await ctx.render({ email: shown, error: "forgot.rateLimited" }, { status: 429 });
      }
      if (error.code === "bad_request") {
        return await ctx.render({ email: shown, error: "forgot.malformed" }, { status: 400 });
      }
      throw error;
    }
  },
});

export default definePage.page<ForgotData>(function ForgotPasswordPage({ state, data, url }) {
  const t = translator(state.locale);
  const below = <a href={`/${state.locale}/login`} class={LINK_CLASS}>{t("forgot.back")}</a>;
  return (
    <AccountCard locale={state.locale} title={t("title.forgot")} heading={t("forgot.heading")} below={below}>
      {data.sent
        ? <p role="status" data-reset-requested class="mt-4 text-slate-800">{t("forgot.sent")}</p>
        : (
          <form method="post" action={url.pathname}>
            <p class="mt-1 text-sm text-slate-600">{t("forgot.intro")}</p>
            {data.error && <FormAlert id="forgot-error" message={t(data.error)} />}
            <EmailField
              label={t("login.email")}
              value={data.email}
              errorId={data.error ? "forgot-error" : undefined}
            />
            <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>{t("forgot.submit")}</button>
          </form>
        )}
    </AccountCard>
  );
});
