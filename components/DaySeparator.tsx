/** A day heading between messages of different days ("Aujourd'hui", "Hier", "lundi 3 juin"). */
export function DaySeparator({ label, dateTime }: { label: string; dateTime: string }) {
  return (
    <li class="my-3 flex items-center gap-3" data-day-separator>
      <span class="h-px flex-1 bg-slate-300" aria-hidden="true" />
      <time dateTime={dateTime} class="text-xs font-semibold uppercase tracking-wide text-slate-600">
        {label}
      </time>
      <span class="h-px flex-1 bg-slate-300" aria-hidden="true" />
    </li>
  );
}
