import { Head } from "../framework/mod.ts";

/** Unmatched pages (the JSON API answers its own 404 under `/api/`). */
export default function NotFound() {
  return (
    <main class="mx-auto max-w-xl px-6 py-16 text-center">
      <Head>
        <title>Page introuvable — Préau</title>
      </Head>
      <h1 class="text-2xl font-bold text-slate-800">Page introuvable</h1>
      <p class="mt-4 text-slate-600">Cette adresse ne correspond à aucune page de Préau.</p>
      <a
        href="/"
        class="mt-8 inline-block rounded-lg bg-blue-600 px-4 py-2 font-semibold text-white hover:bg-blue-700"
      >
        Retour à l'accueil
      </a>
    </main>
  );
}
