/**
 * `/[locale]/forgot-password`: asks for a password reset link by email (`domain/password_reset.ts`). A
 * plain form; after a valid request the page always says the same thing, account or not.
 */
import { Head } from "../../framework/mod.ts";
import { AppError } from "../../domain/errors.ts";
import { isStorable } from "../../domain/text.ts";
import { type MessageKey, translator } from "../../i18n/mod.ts";
import { isSameOriginOrAllowed } from "../../server/origin.ts";
import { clientAddress } from "../../server/session.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "../../components/styles.ts";
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
    if (!isSameOriginOrAllowed(ctx.req, services.originPolicy)) {
      return new Response("This form was posted from another site; use Préau's own page.", { status: 403 });
    }
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
  const field = `mt-1 block w-full rounded-lg border border-slate-400 px-3 py-2 text-slate-900 ${FOCUS_RING}`;
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-12">
      <Head>
        <title>{t("title.forgot")}</title>
      </Head>
      <div class="w-full max-w-sm">
        <p class="text-center text-3xl font-extrabold tracking-tight text-blue-800">{t("app.name")}</p>
        <div class="mt-8 rounded-2xl bg-white p-6 shadow">
          <h1 class="text-xl font-bold text-slate-900">{t("forgot.heading")}</h1>
          {data.sent
            ? <p role="status" data-reset-requested class="mt-4 text-slate-800">{t("forgot.sent")}</p>
            : (
              <form method="post" action={url.pathname}>
                <p class="mt-1 text-sm text-slate-600">{t("forgot.intro")}</p>
                {data.error && (
                  <p
                    role="alert"
                    id="forgot-error"
                    class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-800"
                  >
                    {t(data.error)}
                  </p>
                )}
                <label class="mt-4 block text-sm font-semibold text-slate-900" for="email">
                  {t("login.email")}
                </label>
                <input
                  id="email"
                  name="email"
                  type="email"
                  autocomplete="username"
                  required
                  value={data.email}
                  aria-describedby={data.error ? "forgot-error" : undefined}
                  class={field}
                />
                <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>{t("forgot.submit")}</button>
              </form>
            )}
        </div>
        <p class="mt-6 text-center text-sm">
          <a href={`/${state.locale}/login`} class={`font-medium text-blue-800 underline ${FOCUS_RING}`}>
            {t("forgot.back")}
          </a>
        </p>
      </div>
    </main>
  );
});
