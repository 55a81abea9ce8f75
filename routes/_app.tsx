import type { AppProps } from "../framework/mod.ts";

/** The document around every page; pages set their own title with `<Head>`. */
export default function App({ Component }: AppProps) {
  return (
    <html lang="fr">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
        <title>Préau</title>
      </head>
      <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <Component />
      </body>
    </html>
  );
}
