/**
 * `/[locale]/admin/settings`: the establishment's messaging settings for its admins (mode, loosening
 * switches, the hours staff answer families; audited, applied at once to open pages on every instance)
 * and, for every staff member, their own availability hours. Plain forms, so they work without
 * JavaScript. Anyone who is not staff of the establishment gets 404.
 */
import { getCookie } from "hono/cookie";
import { Head } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import { MESSAGING_MODES, type MessagingSettings } from "@/db/establishment_settings.ts";
import { AppError } from "@/domain/errors.ts";
import {
  ownHours,
  parseHoursForm,
  parseSettingsForm,
  settingsForAdmin,
  updateMessagingSettings,
  updateOwnHours,
} from "@/domain/messaging_settings.ts";
import { isStaff } from "@/domain/permissions.ts";
import { type Translate, translator } from "@/i18n/mod.ts";
import { formatClock, type WeeklyHours } from "@/util/hours.ts";
import { clientAddress } from "@/server/session.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "@/components/styles.ts";
import { FIELD_CLASS, LABEL_CLASS } from "@/routes/[locale]/_lib/AccountCard.tsx";
import { chooseMembership, ESTABLISHMENT_COOKIE } from "@/routes/[locale]/_lib/portal.ts";
import { defineSignedInPage, type SignedInPageState } from "@/routes/[locale]/_lib/state.ts";
import type { RouteContext } from "@/framework/mod.ts";

interface SettingsData {
  membership: Membership;
  /** Null unless the viewer is an admin of the establishment. */
  settings: MessagingSettings | null;
  mine: { hours: WeeklyHours; own: boolean };
  notice?: "saved" | "hoursSaved" | "invalid";
}

/** The establishment this request is about, among those where the viewer is staff. */
function staffMembership(ctx: RouteContext<SignedInPageState, unknown>): Membership | undefined {
  return chooseMembership(
    ctx.state.me.memberships.filter((m) => isStaff(m.role)),
    ctx.url.searchParams.get("establishment"),
    getCookie(ctx.hono, ESTABLISHMENT_COOKIE),
  );
}

async function load(ctx: RouteContext<SignedInPageState, SettingsData>, membership: Membership) {
  const { db } = ctx.state.services;
  const userId = ctx.state.user.id;
  return {
    membership,
    settings: membership.role === "admin"
      ? await settingsForAdmin(db, userId, membership.establishmentId)
      : null,
    mine: await ownHours(db, userId, membership.establishmentId),
  };
}

export const handler = defineSignedInPage.handlers<SettingsData>({
  async GET(ctx): Promise<Response> {
    const membership = staffMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    return await ctx.render(await load(ctx, membership));
  },

  async POST(ctx): Promise<Response> {
    const { services, user } = ctx.state;
    const membership = staffMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const form = await ctx.req.formData().catch(() => new FormData());
    const action = String(form.get("action") ?? "");
    try {
      if (action === "settings") {
        const actor = { userId: user.id, clientAddress: clientAddress(ctx.hono, services.trustedProxies) };
        await updateMessagingSettings(
          services.db,
          services.events,
          actor,
          membership.establishmentId,
          parseSettingsForm(form),
        );
        return await ctx.render({ ...(await load(ctx, membership)), notice: "saved" });
      }
      if (action === "hours") {
        const hours = form.get("useEstablishment") === "on" ? null : parseHoursForm(form);
        await updateOwnHours(services.db, user.id, membership.establishmentId, hours);
        return await ctx.render({ ...(await load(ctx, membership)), notice: "hoursSaved" });
      }
      return new Response("Choose action=settings or action=hours.", { status: 400 });
    } catch (error) {
      if (error instanceof AppError && error.code === "bad_request") {
        return await ctx.render({ ...(await load(ctx, membership)), notice: "invalid" }, { status: 400 });
      }
      if (error instanceof AppError && (error.code === "not_found" || error.code === "forbidden")) {
        return await ctx.renderNotFound();
      }
      throw error;
    }
  },
});

/** Monday … Sunday in the page's language, from Intl (1 January 2024 was a Monday). */
function weekdayNames(locale: string): string[] {
  const format = new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" });
  return Array.from({ length: 7 }, (_, d) => format.format(new Date(Date.UTC(2024, 0, 1 + d))));
}

/** The days and times of an hours form. */
function HoursFields({ t, hours, locale }: { t: Translate; hours: WeeklyHours; locale: string }) {
  return (
    <>
      <fieldset class="mt-3">
        <legend class="text-sm font-semibold text-slate-900">{t("settings.days")}</legend>
        {weekdayNames(locale).map((name, d) => (
          <label class="mr-3 inline-flex items-center gap-1 py-1" key={d}>
            <input
              type="checkbox"
              name="day"
              value={String(d)}
              checked={(hours.days & (1 << d)) !== 0}
              class={FOCUS_RING}
            />
            {name}
          </label>
        ))}
      </fieldset>
      <div class="flex gap-4">
        <label class={LABEL_CLASS}>
          {t("settings.opens")}
          <input type="time" name="opens" value={formatClock(hours.opens)} required class={FIELD_CLASS} />
        </label>
        <label class={LABEL_CLASS}>
          {t("settings.closes")}
          <input type="time" name="closes" value={formatClock(hours.closes)} required class={FIELD_CLASS} />
        </label>
      </div>
    </>
  );
}

export default defineSignedInPage.page<SettingsData>(function SettingsPage({ state, data, url }) {
  const t = translator(state.locale);
  const action = `${url.pathname}?establishment=${encodeURIComponent(data.membership.establishmentId)}`;
  const s = data.settings;
  const check = (name: "parentsInClass" | "studentsInClass" | "parentsToAllTeachers", on: boolean) => (
    <label class="flex items-center gap-2 py-1">
      <input type="checkbox" name={name} checked={on} class={FOCUS_RING} />
      <span>{t(`settings.${name}`)}</span>
    </label>
  );
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{t("title.settings")}</title>
      </Head>
      <h1 class="text-xl font-bold text-slate-900">
        {t("settings.heading")} – {data.membership.establishmentName}
      </h1>
      {(data.notice === "saved" || data.notice === "hoursSaved") && (
        <p role="status" class="mt-4 max-w-2xl rounded-lg bg-green-50 px-3 py-2 text-green-900">
          {t(data.notice === "saved" ? "settings.saved" : "settings.myHoursSaved")}
        </p>
      )}
      {data.notice === "invalid" && (
        <p role="alert" class="mt-4 max-w-2xl rounded-lg bg-red-50 px-3 py-2 text-red-800">
          {t("settings.invalid")}
        </p>
      )}
      {s && (
        <form
          method="post"
          action={action}
          class="mt-4 max-w-2xl rounded-2xl bg-white p-6 shadow"
          data-settings-form
        >
          <input type="hidden" name="action" value="settings" />
          <p class="text-sm text-slate-700">
            {t("settings.intro", { name: data.membership.establishmentName })}
          </p>
          <fieldset class="mt-4">
            <legend class="font-semibold text-slate-900">{t("settings.mode")}</legend>
            {MESSAGING_MODES.map((mode) => (
              <label class="flex items-center gap-2 py-1" key={mode}>
                <input type="radio" name="mode" value={mode} checked={s.mode === mode} class={FOCUS_RING} />
                <span>{t(`settings.mode.${mode}`)}</span>
              </label>
            ))}
          </fieldset>
          <fieldset class="mt-4">
            <legend class="font-semibold text-slate-900">{t("settings.loosen")}</legend>
            {check("parentsInClass", s.parentsInClass)}
            {check("studentsInClass", s.studentsInClass)}
            {check("parentsToAllTeachers", s.parentsToAllTeachers)}
          </fieldset>
          <fieldset class="mt-4">
            <legend class="font-semibold text-slate-900">{t("settings.hours")}</legend>
            <HoursFields t={t} hours={s.hours} locale={state.locale} />
            <label class={LABEL_CLASS}>
              {t("settings.timeZone")}
              <input name="timeZone" value={s.hours.timeZone} required maxLength={64} class={FIELD_CLASS} />
            </label>
          </fieldset>
          <button type="submit" class={`mt-6 ${PRIMARY_BUTTON}`}>{t("settings.save")}</button>
        </form>
      )}
      <form
        method="post"
        action={action}
        class="mt-6 max-w-2xl rounded-2xl bg-white p-6 shadow"
        data-hours-form
      >
        <input type="hidden" name="action" value="hours" />
        <h2 class="font-semibold text-slate-900">{t("settings.myHours")}</h2>
        <p class="mt-1 text-sm text-slate-700">{t("settings.myHoursIntro")}</p>
        <label class="mt-3 flex items-center gap-2">
          <input type="checkbox" name="useEstablishment" checked={!data.mine.own} class={FOCUS_RING} />
          <span>{t("settings.useEstablishment")}</span>
        </label>
        <HoursFields t={t} hours={data.mine.hours} locale={state.locale} />
        <button type="submit" class={`mt-6 ${PRIMARY_BUTTON}`}>{t("settings.save")}</button>
      </form>
    </div>
  );
});
