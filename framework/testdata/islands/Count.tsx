import type { Signal } from "@preact/signals";

export default function Count({ count }: { count: Signal<number> }) {
  return <span class="count">{count}</span>;
}
