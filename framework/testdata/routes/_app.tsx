import type { AppProps } from "../../mod.ts";

export default function App({ Component, state }: AppProps) {
  return (
    <html lang="fr">
      <head>
        <meta charset="utf-8" />
        <title>Fixture</title>
      </head>
      <body data-app-saw={String(state.mark ?? "")}>
        <Component />
      </body>
    </html>
  );
}
