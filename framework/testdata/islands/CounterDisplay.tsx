import { type Signal, useComputed } from "@preact/signals";

/**
 * Shows a counter owned by another island. Its colour class changes once counting starts: that
 * class is absent from the server's CSS, so the browser's twind has to style it.
 */
export default function CounterDisplay({ count }: { count: Signal<number> }) {
  const label = useComputed(() => (count.value > 1 ? "clics" : "clic"));
  const color = useComputed(() => (count.value > 0 ? "text-emerald-600" : "text-blue-700"));
  return (
    <p class="text-lg text-slate-700">
      <output class={`font-mono text-2xl font-bold ${color.value}`} data-counter>{count}</output> {label}
    </p>
  );
}
