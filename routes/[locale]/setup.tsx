/**
 * `/[locale]/setup?token=…`: the first-run page (see `domain/setup.ts`). A plain form (works without
 * JavaScript) creating the first establishment and its admin, who is then signed in and sent to the
 * admin panel. Once Préau is set up, the page says so and points to the login page.
 */
import { Head } from "../../framework/mod.ts";
import { AppError } from "../../domain/errors.ts";
import { completeSetup, setupLinkState } from "../../domain/setup.ts";
import { MIN_PASSWORD_LENGTH } from "../../domain/schemas.ts";
import { isStorable } from "../../domain/text.ts";
import { type MessageKey, translator } from "../../i18n/mod.ts";
import { isSameOriginOrAllowed } from "../../server/origin.ts";
import { clientAddress, signIn } from "../../server/session.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "../../components/styles.ts";
import { redirect } from "./_lib/paths.ts";
import { definePage } from "./_lib/state.ts";

const FIELDS = ["establishmentName", "adminName", "adminEmail", "password"] as const;
type Field = typeof FIELDS[number];

interface SetupData {
  state: "open" | "done" | "invalid";
  values: Partial<Record<Exclude<Field, "password">, string>>;
  error?: MessageKey;
  field?: Field;
}

const FIELD_ERRORS: Record<Field, MessageKey> = {
  establishmentName: "setup.error.establishmentName",
  adminName: "setup.error.adminName",
  adminEmail: "setup.error.adminEmail",
  password: "setup.error.password",
};

function tokenOf(url: URL): string {
  return (url.searchParams.get("token") ?? "").slice(0, 200);
}

export const handler = definePage.handlers<SetupData>({
  async GET(ctx): Promise<Response> {
    const state = await setupLinkState(ctx.state.services.db, tokenOf(ctx.url));
    const status = state === "open" ? 200 : state === "done" ? 410 : 403;
    return await ctx.render({ state, values: {} }, { status });
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    if (!isSameOriginOrAllowed(ctx.req, services.originPolicy)) {
      return new Response("This form was posted from another site; open the setup link Préau printed.", {
        status: 403,
      });
    }
    const form = await ctx.req.formData().catch(() => new FormData());
    const read = (name: string) => String(form.get(name) ?? "");
    const values: SetupData["values"] = {};
    for (const field of ["establishmentName", "adminName", "adminEmail"] as const) {
      const value = read(field);
      values[field] = isStorable(value) ? value.slice(0, 254) : "";
    }
    const body = {
      token: tokenOf(ctx.url),
      establishmentName: read("establishmentName"),
      adminName: read("adminName"),
      adminEmail: read("adminEmail"),
      password: read("password"),
      locale: ctx.state.locale,
    };
    try {
      await completeSetup(services.db, body, clientAddress(ctx.hono, services.trustedProxies));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === "gone") return await ctx.render({ state: "done", values }, { status: 410 });
      if (error.code === "forbidden") return await ctx.render({ state: "invalid", values }, { status: 403 });
      if (error.code === "bad_request") {
        const field = FIELDS.find((f) => error.message.startsWith(`${f}:`));
        return await ctx.render(
          { state: "open", values, field, error: field ? FIELD_ERRORS[field] : "setup.error.other" },
          { status: 400 },
        );
      }
      throw error;
    }
    await signIn(ctx.hono, services, { email: body.adminEmail.trim(), password: body.password });
    return redirect(`/${ctx.state.locale}/admin`, 303);
  },
});

export default definePage.page<SetupData>(function SetupPage({ state, data, url }) {
  const t = translator(state.locale);
  const other = state.locale === "fr" ? "en" : "fr";
  const field = `mt-1 block w-full rounded-lg border border-slate-400 px-3 py-2 text-slate-900 ${FOCUS_RING}`;
  const label = "mt-4 block text-sm font-semibold text-slate-900";
  const described = (name: Field) => data.field === name ? "setup-error" : undefined;
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-12">
      <Head>
        <title>{t("title.setup")}</title>
      </Head>
      <div class="w-full max-w-md">
        <p class="text-center text-3xl font-extrabold tracking-tight text-blue-800">{t("app.name")}</p>
        <div class="mt-8 rounded-2xl bg-white p-6 shadow">
          <h1 class="text-xl font-bold text-slate-900">{t("setup.heading")}</h1>
          {data.state === "done" && (
            <p role="status" data-setup-state="done" class="mt-4 text-slate-800">
              {t("setup.done")}{" "}
              <a href={`/${state.locale}/login`} class={`font-medium text-blue-800 underline ${FOCUS_RING}`}>
                {t("setup.toLogin")}
              </a>
            </p>
          )}
          {data.state === "invalid" && (
            <p role="alert" data-setup-state="invalid" class="mt-4 text-red-800">{t("setup.invalidLink")}</p>
          )}
          {data.state === "open" && (
            <form method="post" action={url.pathname + url.search}>
              <p class="mt-1 text-sm text-slate-600">{t("setup.intro")}</p>
              {data.error && (
                <p
                  role="alert"
                  id="setup-error"
                  class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-800"
                >
                  {t(data.error)}
                </p>
              )}
              <label class={label} for="establishmentName">{t("setup.establishmentName")}</label>
              <input
                id="establishmentName"
                name="establishmentName"
                required
                maxLength={200}
                value={data.values.establishmentName ?? ""}
                aria-describedby={described("establishmentName")}
                class={field}
              />
              <label class={label} for="adminName">{t("setup.adminName")}</label>
              <input
                id="adminName"
                name="adminName"
                autocomplete="name"
                required
                maxLength={200}
                value={data.values.adminName ?? ""}
                aria-describedby={described("adminName")}
                class={field}
              />
              <label class={label} for="adminEmail">{t("setup.adminEmail")}</label>
              <input
                id="adminEmail"
                name="adminEmail"
                type="email"
                autocomplete="username"
                required
                value={data.values.adminEmail ?? ""}
                aria-describedby={described("adminEmail")}
                class={field}
              />
              <label class={label} for="password">{t("setup.password")}</label>
              <input
                id="password"
                name="password"
                type="password"
                autocomplete="new-password"
                required
                minLength={MIN_PASSWORD_LENGTH}
                aria-describedby={described("password") ?? "password-hint"}
                class={field}
              />
              <p id="password-hint" class="mt-1 text-sm text-slate-600">
                {t("setup.passwordHint", { count: MIN_PASSWORD_LENGTH })}
              </p>
              <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>{t("setup.submit")}</button>
            </form>
          )}
        </div>
        <p class="mt-6 text-center text-sm">
          <a
            href={`/${other}/setup${url.search}`}
            hreflang={other}
            lang={other}
            class={`font-medium text-blue-800 underline ${FOCUS_RING}`}
          >
            {t("nav.otherLanguage")}
          </a>
        </p>
      </div>
    </main>
  );
});
