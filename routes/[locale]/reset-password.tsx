/**
 * `/[locale]/reset-password?token=…`: the link of the reset mail. Shows the new-password form while the
 * link works, then sends the person to the login page; a used or expired link gets a page saying so,
 * with the way to ask for a new one.
 */
import { AppError } from "@/domain/errors.ts";
import { MIN_PASSWORD_LENGTH } from "@/domain/schemas.ts";
import { type MessageKey, translator } from "@/i18n/mod.ts";
import { PRIMARY_BUTTON } from "@/components/styles.ts";
import { AccountCard, FormAlert, LINK_CLASS, NewPasswordField, tokenOf } from "./_lib/AccountCard.tsx";
import { redirect } from "./_lib/paths.ts";
import { definePage } from "./_lib/state.ts";

interface ResetData {
  usable: boolean;
  error?: MessageKey;
}

export const handler = definePage.handlers<ResetData>({
  async GET(ctx): Promise<Response> {
    const usable = await ctx.state.services.passwordReset.isUsable(tokenOf(ctx.url));
    return await ctx.render({ usable }, { status: usable ? 200 : 410 });
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const form = await ctx.req.formData().catch(() => new FormData());
    try {
      await services.passwordReset.complete({
        token: tokenOf(ctx.url),
        password: String(form.get("password") ?? ""),
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === "gone") return await ctx.render({ usable: false }, { status: 410 });
      if (error.code === "bad_request") {
        return await ctx.render({ usable: true, error: "reset.error.password" }, { status: 400 });
      }
      throw error;
    }
    return redirect(`/${ctx.state.locale}/login?reset=done`, 303);
  },
});

export default definePage.page<ResetData>(function ResetPasswordPage({ state, data, url }) {
  const t = translator(state.locale);
  return (
    <AccountCard locale={state.locale} title={t("title.reset")} heading={t("reset.heading")}>
      {data.usable
        ? (
          <form method="post" action={url.pathname + url.search}>
            <p class="mt-1 text-sm text-slate-600">{t("reset.intro")}</p>
            {data.error && <FormAlert id="reset-error" message={t(data.error)} />}
            <NewPasswordField
              label={t("reset.password")}
              hint={t("setup.passwordHint", { count: MIN_PASSWORD_LENGTH })}
              errorId={data.error ? "reset-error" : undefined}
            />
            <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>{t("reset.submit")}</button>
          </form>
        )
        : (
          <p role="alert" data-reset-state="invalid" class="mt-4 text-slate-800">
            {t("reset.invalid")}{" "}
            <a href={`/${state.locale}/forgot-password`} class={LINK_CLASS}>{t("reset.askAgain")}</a>
          </p>
        )}
    </AccountCard>
  );
});
