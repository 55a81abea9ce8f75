/**
 * `/[locale]/reset-password?token=…`: the link of the reset mail. Shows the new-password form while the
 * link works, then sends the person to the login page; a used or expired link gets a page saying so,
 * with the way to ask for a new one.
 */
import { Head } from "../../framework/mod.ts";
import { AppError } from "../../domain/errors.ts";
import { MIN_PASSWORD_LENGTH } from "../../domain/schemas.ts";
import { type MessageKey, translator } from "../../i18n/mod.ts";
import { isSameOriginOrAllowed } from "../../server/origin.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "../../components/styles.ts";
import { redirect } from "./_lib/paths.ts";
import { definePage } from "./_lib/state.ts";

interface ResetData {
  usable: boolean;
  error?: MessageKey;
}

function tokenOf(url: URL): string {
  return (url.searchParams.get("token") ?? "").slice(0, 200);
}

export const handler = definePage.handlers<ResetData>({
  async GET(ctx): Promise<Response> {
    const usable = await ctx.state.services.passwordReset.isUsable(tokenOf(ctx.url));
    return await ctx.render({ usable }, { status: usable ? 200 : 410 });
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    if (!isSameOriginOrAllowed(ctx.req, services.originPolicy)) {
      return new Response("This form was posted from another site; open the link from the mail.", {
        status: 403,
      });
    }
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
  const field = `mt-1 block w-full rounded-lg border border-slate-400 px-3 py-2 text-slate-900 ${FOCUS_RING}`;
  const link = `font-medium text-blue-800 underline ${FOCUS_RING}`;
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-12">
      <Head>
        <title>{t("title.reset")}</title>
      </Head>
      <div class="w-full max-w-sm">
        <p class="text-center text-3xl font-extrabold tracking-tight text-blue-800">{t("app.name")}</p>
        <div class="mt-8 rounded-2xl bg-white p-6 shadow">
          <h1 class="text-xl font-bold text-slate-900">{t("reset.heading")}</h1>
          {data.usable
            ? (
              <form method="post" action={url.pathname + url.search}>
                <p class="mt-1 text-sm text-slate-600">{t("reset.intro")}</p>
                {data.error && (
                  <p
                    role="alert"
                    id="reset-error"
                    class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-800"
                  >
                    {t(data.error)}
                  </p>
                )}
                <label class="mt-4 block text-sm font-semibold text-slate-900" for="password">
                  {t("reset.password")}
                </label>
                <input
                  id="password"
                  name="password"
                  type="password"
                  autocomplete="new-password"
                  required
                  minLength={MIN_PASSWORD_LENGTH}
                  aria-describedby={data.error ? "reset-error" : "password-hint"}
                  class={field}
                />
                <p id="password-hint" class="mt-1 text-sm text-slate-600">
                  {t("setup.passwordHint", { count: MIN_PASSWORD_LENGTH })}
                </p>
                <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>{t("reset.submit")}</button>
              </form>
            )
            : (
              <p role="alert" data-reset-state="invalid" class="mt-4 text-slate-800">
                {t("reset.invalid")}{" "}
                <a href={`/${state.locale}/forgot-password`} class={link}>{t("reset.askAgain")}</a>
              </p>
            )}
        </div>
      </div>
    </main>
  );
});
