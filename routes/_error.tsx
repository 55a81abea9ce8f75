import { type ErrorPageProps, Head } from "@/framework/mod.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "@/components/styles.ts";
import { DEFAULT_LOCALE, isLocale, translator } from "@/i18n/mod.ts";

/**
 * Every error page (the JSON API answers its own errors), in the language of the URL when it has
 * one: "page not found" for a 404, "this page could not be shown" for anything else. What went
 * wrong is never shown; the server logged it.
 */
export default function ErrorPage({ url, state, status }: ErrorPageProps<{ locale?: string }>) {
  const first = url.pathname.split("/")[1];
  const locale = isLocale(state.locale) ? state.locale : isLocale(first) ? first : DEFAULT_LOCALE;
  const t = translator(locale);
  const notFound = status === 404;
  return (
    <main id="main" class="mx-auto max-w-xl px-6 py-16 text-center" lang={locale}>
      <Head>
        <title>{t(notFound ? "title.notFound" : "title.error")}</title>
      </Head>
      <h1 class="text-2xl font-bold text-slate-900">{t(notFound ? "notFound.heading" : "error.heading")}</h1>
      <p class="mt-4 text-slate-700">{t(notFound ? "notFound.body" : "error.body")}</p>
      <a href={`/${locale}`} class={`mt-8 inline-block ${PRIMARY_BUTTON} ${FOCUS_RING}`}>
        {t("notFound.home")}
      </a>
    </main>
  );
}
