import { signal } from "@preact/signals";
import CounterButton from "../islands/CounterButton.tsx";
import CounterDisplay from "../islands/CounterDisplay.tsx";

/**
 * Welcome page. The two islands receive the SAME signal: after hydration they still share it, so
 * clicking the button updates the display (replaced later by the messagerie pages).
 */
export default function Home() {
  const count = signal(0);
  return (
    <main class="mx-auto max-w-2xl px-6 py-16">
      <h1 class="text-3xl font-bold tracking-tight text-blue-700">Préau — messagerie de l'établissement</h1>
      <p class="mt-4 text-lg text-slate-600">
        Échangez avec les familles, les élèves et l'équipe pédagogique, en temps réel.
      </p>
      <section class="mt-10 flex items-center gap-6 rounded-xl bg-white p-6 shadow">
        <CounterButton count={count} />
        <CounterDisplay count={count} />
      </section>
    </main>
  );
}
