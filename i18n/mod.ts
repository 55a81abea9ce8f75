/**
 * The one place user-visible text comes from. Pages and islands get a typed translator for their
 * locale: `const t = translator("en"); t("typing.one", { name: "Marc" })` → "Marc is typing…".
 * Missing parameters are a type error; a missing English key is a type error in `en.ts`.
 */
import { en } from "./en.ts";
import { fr } from "./fr.ts";
import type { Dictionary, MessageKey, ParamsArg, Plural } from "./types.ts";

export type { Dictionary, MessageKey } from "./types.ts";

/** Supported locales; the first is the default. */
export const LOCALES = ["fr", "en"] as const;
export type Locale = typeof LOCALES[number];
export const DEFAULT_LOCALE: Locale = "fr";

/** Cookie remembering the last locale used (read when `/` has no usable `Accept-Language`). */
export const LOCALE_COOKIE = "preau_locale";

const DICTIONARIES: Record<Locale, Dictionary> = { fr, en };

/** True when `value` names a supported locale. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** A translator bound to one locale. */
export type Translate = <K extends MessageKey>(key: K, ...params: ParamsArg<K>) => string;

/** Returns the translator of `locale`. */
export function translator(locale: Locale): Translate {
  const dictionary = DICTIONARIES[locale];
  const plurals = new Intl.PluralRules(locale);
  return (key, ...rest) => {
    const params = (rest[0] ?? {}) as Record<string, string | number>;
    const entry: string | Plural = dictionary[key];
    const text = typeof entry === "string"
      ? entry
      : plurals.select(Number(params.count ?? 0)) === "one"
      ? entry.one
      : entry.other;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => name in params ? String(params[name]) : whole);
  };
}

/**
 * The locale for a visitor of `/`: the first supported language of `Accept-Language` (by quality),
 * else the locale cookie, else {@linkcode DEFAULT_LOCALE}.
 */
export function negotiateLocale(acceptLanguage: string | null | undefined, cookie?: string): Locale {
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...attrs] = part.trim().split(";");
      const q = attrs.map((a) => /^\s*q=([\d.]+)\s*$/.exec(a)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag !== "" && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const primary = tag.split("-")[0];
    if (isLocale(primary)) return primary;
  }
  return isLocale(cookie) ? cookie : DEFAULT_LOCALE;
}
