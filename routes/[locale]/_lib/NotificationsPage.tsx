/** The notification-email settings page of both portals (see `notifications.ts`). */
import { Head, type PageProps } from "@/framework/mod.ts";
import { translator } from "@/i18n/mod.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "@/components/styles.ts";
import type { NotificationsData } from "./notifications.ts";
import type { SignedInPageState } from "./state.ts";

export function NotificationsPage({ data, state, url }: PageProps<NotificationsData, SignedInPageState>) {
  const t = translator(state.locale);
  const pref = data.preference;
  const radio = (value: "soon" | "daily" | "none", label: string) => (
    <label class="flex items-center gap-2 py-1">
      <input type="radio" name="digest" value={value} checked={pref.digest === value} class={FOCUS_RING} />
      <span>{label}</span>
    </label>
  );
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{t("title.notifications")}</title>
      </Head>
      <form method="post" action={url.pathname} class="max-w-xl rounded-2xl bg-white p-6 shadow">
        <h1 class="text-xl font-bold text-slate-900">{t("prefs.heading")}</h1>
        <p class="mt-1 text-sm text-slate-700">{t("prefs.intro", { email: state.user.email })}</p>
        {data.saved && (
          <p role="status" class="mt-4 rounded-lg bg-green-50 px-3 py-2 text-green-900">{t("prefs.saved")}</p>
        )}
        {data.invalid && (
          <p role="alert" class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-red-800">{t("prefs.invalid")}</p>
        )}
        <fieldset class="mt-4">
          <legend class="sr-only">{t("prefs.heading")}</legend>
          {radio("soon", t("prefs.soon"))}
          {radio("daily", t("prefs.daily"))}
          <label class="ml-6 flex items-center gap-2 py-1 text-sm">
            <span>{t("prefs.dailyHour")}</span>
            <select name="dailyHour" class={`rounded border border-slate-400 px-2 py-1 ${FOCUS_RING}`}>
              {Array.from(
                { length: 24 },
                (_, h) => (
                  <option value={String(h)} selected={h === pref.dailyHour}>
                    {`${String(h).padStart(2, "0")}:00`}
                  </option>
                ),
              )}
            </select>
          </label>
          {radio("none", t("prefs.none"))}
        </fieldset>
        {data.schools.map((s) => (
          <label class="mt-4 flex items-start gap-2" key={s.establishmentId}>
            <input
              type="checkbox"
              name={`hide-${s.establishmentId}`}
              checked={s.hideMessageText}
              class={`mt-1 ${FOCUS_RING}`}
            />
            <span>
              {t("prefs.hideText", { establishment: s.name })}
              <span class="block text-sm text-slate-600">{t("prefs.hideTextHint")}</span>
            </span>
          </label>
        ))}
        <button type="submit" class={`mt-6 ${PRIMARY_BUTTON}`}>{t("prefs.save")}</button>
      </form>
    </div>
  );
}
