/**
 * `/[locale]/setup?token=…`: the first-run page (see `domain/setup.ts`). A plain form (works without
 * JavaScript) creating the first establishment and its admin, who is then signed in and sent to the
 * admin panel. Once Préau is set up, the page says so and points to the login page.
 */
import { AppError } from "@/domain/errors.ts";
import { completeSetup, setupLinkState } from "@/domain/setup.ts";
import { MIN_PASSWORD_LENGTH } from "@/domain/schemas.ts";
import { isStorable } from "@/domain/text.ts";
import { type MessageKey, translator } from "@/i18n/mod.ts";
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

export const handler = definePage.handlers<SetupData>({
  async GET(ctx): Promise<Response> {
    const state = await setupLinkState(ctx.state.services.db, tokenOf(ctx.url));
    const status = state === "open" ? 200 : state === "done" ? 410 : 403;
    return await ctx.render({ state, values: {} }, { status });
  },

  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
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
  const described = (name: Field) => data.field === name ? "setup-error" : undefined;
  const below = (
    <a href={`/${other}/setup${url.search}`} hreflang={other} lang={other} class={LINK_CLASS}>
      {t("nav.otherLanguage")}
    </a>
  );
  return (
    <AccountCard
      locale={state.locale}
      title={t("title.setup")}
      heading={t("setup.heading")}
      below={below}
      wide
    >
      {data.state === "done" && (
        <p role="status" data-setup-state="done" class="mt-4 text-slate-800">
          {t("setup.done")} <a href={`/${state.locale}/login`} class={LINK_CLASS}>{t("setup.toLogin")}</a>
        </p>
      )}
      {data.state === "invalid" && (
        <p role="alert" data-setup-state="invalid" class="mt-4 text-red-800">{t("setup.invalidLink")}</p>
      )}
      {data.state === "open" && (
        <form method="post" action={url.pathname + url.search}>
          <p class="mt-1 text-sm text-slate-600">{t("setup.intro")}</p>
          {data.error && <FormAlert id="setup-error" message={t(data.error)} />}
          <label class={LABEL_CLASS} for="establishmentName">{t("setup.establishmentName")}</label>
          <input
            id="establishmentName"
            name="establishmentName"
            required
            maxLength={200}
            value={data.values.establishmentName ?? ""}
            aria-describedby={described("establishmentName")}
            class={FIELD_CLASS}
          />
          <label class={LABEL_CLASS} for="adminName">{t("setup.adminName")}</label>
          <input
            id="adminName"
            name="adminName"
            autocomplete="name"
            required
            maxLength={200}
            value={data.values.adminName ?? ""}
            aria-describedby={described("adminName")}
            class={FIELD_CLASS}
          />
          <label class={LABEL_CLASS} for="adminEmail">{t("setup.adminEmail")}</label>
          <input
            id="adminEmail"
            name="adminEmail"
            type="email"
            autocomplete="username"
            required
            value={data.values.adminEmail ?? ""}
            aria-describedby={described("adminEmail")}
            class={FIELD_CLASS}
          />
          <NewPasswordField
            label={t("setup.password")}
            hint={t("setup.passwordHint", { count: MIN_PASSWORD_LENGTH })}
            errorId={described("password")}
          />
          <button type="submit" class={`mt-6 w-full ${PRIMARY_BUTTON}`}>{t("setup.submit")}</button>
        </form>
      )}
    </AccountCard>
  );
});
