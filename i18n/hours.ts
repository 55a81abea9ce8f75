/**
 * Availability hours in words: "Marc Martin répond du lundi au vendredi, 7 h 30–19 h" / "Marc Martin
 * replies Monday to Friday, 7:30 AM–7:00 PM". Day names and English times come from Intl.
 */
import { dayRuns, type WeeklyHours } from "../util/hours.ts";
import type { Locale, Translate } from "./mod.ts";

/** Monday (0) … Sunday (6) in the language (1 January 2024 was a Monday). */
function dayName(locale: Locale, day: number): string {
  return new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" })
    .format(new Date(Date.UTC(2024, 0, 1 + day)));
}

/** A minute of the day: "7 h 30", "19 h" in French, "7:30 AM" in English. */
export function formatMinute(locale: Locale, minute: number): string {
  const h = Math.floor(minute / 60);
  const m = minute % 60;
  if (locale === "fr") return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, "0")}`;
  return new Intl.DateTimeFormat("en", { hour: "numeric", minute: "2-digit", timeZone: "UTC" })
    .format(new Date(Date.UTC(2024, 0, 1, h, m)));
}

/** "du lundi au vendredi" / "Monday to Friday", several runs joined by commas. */
export function formatDays(t: Translate, locale: Locale, days: number): string {
  if ((days & 127) === 127) return t("hours.everyDay");
  return dayRuns(days).map(([from, to]) =>
    from === to
      ? t("hours.single", { day: dayName(locale, from) })
      : t("hours.range", { from: dayName(locale, from), to: dayName(locale, to) })
  ).join(", ");
}

/** When `name` answers families, as one sentence. */
export function formatAvailability(t: Translate, locale: Locale, name: string, hours: WeeklyHours): string {
  if ((hours.days & 127) === 0) return t("hours.none", { name });
  return t("hours.answers", {
    name,
    days: formatDays(t, locale, hours.days),
    times: t("hours.times", {
      opens: formatMinute(locale, hours.opens),
      closes: formatMinute(locale, hours.closes),
    }),
  });
}
