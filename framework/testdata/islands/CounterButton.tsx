import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/** Increments a counter shared with other islands. Disabled until hydrated, so no click is lost. */
export default function CounterButton({ count }: { count: Signal<number> }) {
  const ready = useSignal(false);
  useEffect(() => {
    ready.value = true;
  }, []);
  return (
    <button
      type="button"
      disabled={!ready.value}
      onClick={() => count.value++}
      class="rounded-lg bg-blue-600 px-4 py-2 font-semibold text-white hover:bg-blue-700 disabled:opacity-50"
    >
      Cliquer
    </button>
  );
}
