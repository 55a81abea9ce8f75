import { useState } from "preact/hooks";
import type { Locale, Translate } from "../i18n/mod.ts";
import { formatFull, formatTime } from "../i18n/format.ts";
import { FOCUS_RING } from "./styles.ts";

/** Props of {@linkcode ReadReceipt}. */
export interface ReadReceiptProps {
  /** Who read the message (not us), with when, if known. */
  readers: { name: string; at: string | null }[];
  /** How many other members the conversation has. */
  others: number;
  locale: Locale;
  timeZone: string;
  t: Translate;
}

/**
 * Under our last message the others have read: "Vu à 08:05" in a two-person conversation; in a
 * group "Vu par 3 sur 5", a button that lists the names.
 */
export function ReadReceipt({ readers, others, locale, timeZone, t }: ReadReceiptProps) {
  const [open, setOpen] = useState(false);
  if (readers.length === 0) return null;
  const row = "flex justify-end px-4 pb-1 text-xs text-slate-600";
  if (others <= 1) {
    const at = readers[0]?.at ? new Date(readers[0].at) : null;
    return (
      <li class={row} data-read-receipt="direct">
        {at
          ? (
            <span title={formatFull(at, locale, timeZone)}>
              {t("receipt.seenAt", { time: formatTime(at, locale, timeZone) })}
            </span>
          )
          : t("receipt.seen")}
      </li>
    );
  }
  return (
    <li class={`${row} flex-col items-end`} data-read-receipt="group">
      <button
        type="button"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        class={`min-h-[1.5rem] rounded px-1 underline decoration-dotted ${FOCUS_RING}`}
      >
        {t("receipt.seenBy", { count: readers.length, total: others })}
      </button>
      {open && (
        <ul
          class="mt-1 rounded-lg bg-white px-3 py-2 text-slate-800 shadow ring-1 ring-slate-200"
          data-readers
        >
          {readers.map((r) => <li key={r.name}>{r.name}</li>)}
        </ul>
      )}
    </li>
  );
}
