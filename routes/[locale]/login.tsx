/**
 * `/[locale]/login`: a plain form (works without JavaScript) posted to this page, which signs in
 * like `POST /api/auth/login` (`server/session.ts`) and sends the person to `next` (a same-site
 * path only) or to their portal.
 */
import { Head } from "@/framework/mod.ts";
import { AppError } from "@/domain/errors.ts";
import { isStorable } from "@/domain/text.ts";
import { translator } from "@/i18n/mod.ts";
import { signIn } from "@/server/session.ts";
import { PRIMARY_BUTTON } from "@/components/styles.ts";
import { EmailField, FIELD_CLASS, LABEL_CLASS, LINK_CLASS } from "./_lib/AccountCard.tsx";
import { redirect, safeNextPath } from "./_lib/paths.ts";
import { definePage, type PageState } from "./_lib/state.ts";

interface LoginData {
  email: string;
  error?:
    | "login.invalid"
    | "login.rateLimited"
    | "login.missing"
    | "login.malformed"
    | "login.failed"
    | "login.deactivated";
}

function after(state: PageState, next: string | null): string {
  return safeNextPath(next) ?? `/${state.locale}`;
}

export const handler = definePage.handlers<LoginData>({
  GET(ctx): Promise<Response> | Response {
    if (ctx.state.user) return redirect(after(ctx.state, ctx.url.searchParams.get("next")));
    return ctx.render({ email: "" });
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const form = await ctx.req.formData().catch(() => new FormData());
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    // Never echo text the page cannot hold (a NUL); signIn refuses it with bad_request anyway.
    const shown = isStorable(email) ? email.slice(0, 254) : "";
    if (email === "" || password === "") {
      return ctx.render({ email: shown, error: "login.missing" }, { status: 400 });
    }
    try {
      await signIn(ctx.hono, services, { email, password });
      return redirect(after(ctx.state, ctx.url.searchParams.get("next")), 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === "invalid_credentials") {
        return ctx.render({ email: shown, error: "login.invalid" }, { status: 401 });
      }
      // `bad_request` (loginBody): longer than any address or password can be, or a NUL or lone surrogate.
      if (error.code === "bad_request") {
        return ctx.render({ email: shown, error: "login.malformed" }, { status: 400 });
      }
      if (error.code === "forbidden") {
        return ctx.render({ email: shown, error: "login.deactivated" }, { status: 403 });
      }
      if (error.code === "rate_limited") {
        return ctx.render({ email: shown, error: "login.rateLimited" }, { status: 429 });
      }
      console.error("login page: signing in failed", error);
      return ctx.render({ email: shown, error: "login.failed" }, { status: 503 });
    }
  },
});

export default definePage.page<LoginData>(function LoginPage({ state, data, url }) {
  const t = translator(state.locale);
  const other = state.locale === "fr" ? "en" : "fr";
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-12">
      <Head>
        <title>{t("title.login")}</title>
      </Head>
      <div class="w-full max-w-sm">
        <p class="text-center text-3xl font-extrabold tracking-tight text-blue-800">{t("app.name")}</p>
        <p class="mt-1 text-center text-slate-600">{t("app.tagline")}</p>
        <form method="post" action={url.pathname + url.search} class="mt-8 rounded-2xl bg-white p-6 shadow">
          <h1 class="text-xl font-bold text-slate-900">{t("login.heading")}</h1>
          <p class="mt-1 text-sm text-slate-600">{t("login.intro")}</p>
          {url.searchParams.get("reset") === "done" && !data.error && (
            <p role="status" class="mt-4 rounded-lg bg-green-50 px-3 py-2 text-sm font-medium text-green-800">
              {t("login.resetDone")}
            </p>
          )}
          {!data.error && url.searchParams.get("ended") === "1" && (
            <p role="status" class="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-sm font-medium text-amber-900">
              {t("login.sessionEnded")}
            </p>
          )}
          {data.error && (
            <p
              role="alert"
              id="login-error"
              class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-800"
            >
              {t(data.error)}
            </p>
          )}
          <EmailField
            label={t("login.email")}
            value={data.email}
            errorId={data.error ? "login-error" : undefined}
          />
          <label class={LABEL_CLASS} for="password">{t("login.password")}</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            class={FIELD_CLASS}
          />
          <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>{t("login.submit")}</button>
          <p class="mt-4 text-center text-sm">
            <a
              href={`/${state.locale}/forgot-password`}
              class={LINK_CLASS}
            >
              {t("login.forgot")}
            </a>
          </p>
        </form>
        <p class="mt-6 text-center text-sm">
          <a
            href={`/${other}/login${url.search}`}
            hreflang={other}
            lang={other}
            class={LINK_CLASS}
          >
            {t("nav.otherLanguage")}
          </a>
        </p>
      </div>
    </main>
  );
});
