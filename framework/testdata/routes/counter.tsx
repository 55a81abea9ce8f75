import { signal } from "@preact/signals";
import CounterButton from "../islands/CounterButton.tsx";
import CounterDisplay from "../islands/CounterDisplay.tsx";

/**
 * Hydration fixture: the two islands receive the SAME signal; after hydration they still share it,
 * so clicking the button updates the display.
 */
export default function CounterPage() {
  const count = signal(0);
  return (
    <main class="mx-auto max-w-2xl px-6 py-16">
      <h1 class="text-3xl font-bold tracking-tight text-blue-700">Compteur partagé</h1>
      <section class="mt-10 flex items-center gap-6 rounded-xl bg-white p-6 shadow">
        <CounterButton count={count} />
        <CounterDisplay count={count} />
      </section>
    </main>
  );
}
