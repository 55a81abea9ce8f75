/**
 * Dates and times for people, with `Intl` in the page's locale and the reader's time zone. Every
 * function takes `now` so the server render and the browser's later updates agree and tests are
 * deterministic.
 */
import type { Locale, Translate } from "./mod.ts";

/** Where the reader is; the server falls back to this before the browser has told it (cookie). */
export const DEFAULT_TIME_ZONE = "Europe/Paris";

/** Cookie through which the browser tells the server its time zone. */
export const TIME_ZONE_COOKIE = "preau_tz";

/** A time zone name `Intl` accepts, or undefined. */
export function validTimeZone(value: string | undefined | null): string | undefined {
  if (!value || value.length > 64) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return value;
  } catch {
    return undefined;
  }
}

/**
 * `Intl` formatters, made once per locale and options: making one costs far more than using it,
 * and a page formats the dates of every conversation and message it shows.
 */
const formatters = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
/** Readers' time zones are many (a cookie each): past this many formatters, start over. */
const MAX_FORMATTERS = 500;

function cached<F extends Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => F): F {
  let format = formatters.get(key) as F | undefined;
  if (format === undefined) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, format = make());
  }
  return format;
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached(`d ${locale} ${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
}

function relativeFormat(locale: string, options: Intl.RelativeTimeFormatOptions): Intl.RelativeTimeFormat {
  return cached(`r ${locale} ${JSON.stringify(options)}`, () => new Intl.RelativeTimeFormat(locale, options));
}

/** `14:05` (fr) / `2:05 PM` (en). */
export function formatTime(date: Date, locale: Locale, timeZone: string): string {
  // French writes times as "08:05" (two-digit hours).
  const hour = locale === "fr" ? "2-digit" : "numeric";
  return dateFormat(locale, { hour, minute: "2-digit", timeZone }).format(date);
}

/** `2024-06-03` in `timeZone`: messages with the same key share a day separator. */
export function dayKey(date: Date, timeZone: string): string {
  return dateFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone })
    .format(date);
}

function daysBetween(a: Date, b: Date, timeZone: string): number {
  const utc = (d: Date) => Date.parse(`${dayKey(d, timeZone)}T00:00:00Z`);
  return Math.round((utc(b) - utc(a)) / 86_400_000);
}

/** Day separator text: "Aujourd'hui", "Hier", else "lundi 3 juin" (with the year when not this year). */
export function formatDayLabel(
  date: Date,
  now: Date,
  locale: Locale,
  timeZone: string,
  t: Translate,
): string {
  const days = daysBetween(date, now, timeZone);
  if (days === 0) return t("chat.today");
  if (days === 1) return t("chat.yesterday");
  const sameYear = dayKey(date, timeZone).slice(0, 4) === dayKey(now, timeZone).slice(0, 4);
  return dateFormat(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: sameYear ? undefined : "numeric",
    timeZone,
  }).format(date);
}

/**
 * Compact relative time for the conversation list: "à l'instant", "il y a 5 min", today's time,
 * "hier", a weekday within a week, else a short date.
 */
export function formatRelative(
  date: Date,
  now: Date,
  locale: Locale,
  timeZone: string,
  t: Translate,
): string {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 60) return t("time.justNow");
  if (seconds < 3600) {
    return relativeFormat(locale, { numeric: "auto", style: "short" })
      .format(-Math.floor(seconds / 60), "minute");
  }
  const days = daysBetween(date, now, timeZone);
  if (days <= 0) return formatTime(date, locale, timeZone);
  if (days === 1) return relativeFormat(locale, { numeric: "auto" }).format(-1, "day");
  if (days < 7) return dateFormat(locale, { weekday: "long", timeZone }).format(date);
  return dateFormat(locale, { day: "numeric", month: "short", timeZone }).format(date);
}

/** Full date and time for `title`/`dateTime` tooltips. */
export function formatFull(date: Date, locale: Locale, timeZone: string): string {
  return dateFormat(locale, { dateStyle: "full", timeStyle: "short", timeZone }).format(date);
}
