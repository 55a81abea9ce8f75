import { Head, type PageProps } from "../framework/mod.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "../components/styles.ts";
import { DEFAULT_LOCALE, isLocale, translator } from "../i18n/mod.ts";

/** Unmatched pages, in the language of the URL when it has one (the JSON API answers its own 404). */
export default function NotFound({ url, state }: PageProps<unknown, { locale?: string }>) {
  const first = url.pathname.split("/")[1];
  const locale = isLocale(state.locale) ? state.locale : isLocale(first) ? first : DEFAULT_LOCALE;
  const t = translator(locale);
  return (
    <main id="main" class="mx-auto max-w-xl px-6 py-16 text-center" lang={locale}>
      <Head>
        <title>{t("title.notFound")}</title>
      </Head>
      <h1 class="text-2xl font-bold text-slate-900">{t("notFound.heading")}</h1>
      <p class="mt-4 text-slate-700">{t("notFound.body")}</p>
      <a href={`/${locale}`} class={`mt-8 inline-block ${PRIMARY_BUTTON} ${FOCUS_RING}`}>
        {t("notFound.home")}
      </a>
    </main>
  );
}
