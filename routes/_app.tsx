import type { AppProps } from "@/framework/mod.ts";
import { FOCUS_RING } from "@/components/styles.ts";
import { DEFAULT_LOCALE, isLocale, translator } from "@/i18n/mod.ts";

/** The document around every page; pages set their own title with `<Head>`. */
export default function App({ Component, state, url }: AppProps<unknown, { locale?: string }>) {
  const first = url.pathname.split("/")[1];
  const locale = isLocale(state.locale) ? state.locale : isLocale(first) ? first : DEFAULT_LOCALE;
  const t = translator(locale);
  return (
    <html lang={locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
        <title>{t("app.name")}</title>
      </head>
      <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <a
          href="#main"
          class={`sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-blue-800 ${FOCUS_RING}`}
        >
          {t("nav.skip")}
        </a>
        <Component />
      </body>
    </html>
  );
}
