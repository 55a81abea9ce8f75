/** Class lists shared by components so focus and buttons look the same everywhere. */

/** A visible focus ring for keyboard users (WCAG 2.4.7 / 2.4.13), only on keyboard focus. */
export const FOCUS_RING =
  "focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-700 focus-visible:ring-offset-2";

/** The primary button. */
export const PRIMARY_BUTTON =
  `min-h-[2.75rem] rounded-lg bg-blue-700 px-4 py-2 font-semibold text-white hover:bg-blue-800 disabled:cursor-not-allowed disabled:bg-slate-400 ${FOCUS_RING}`;

/** A quiet button (text and border). */
export const SECONDARY_BUTTON =
  `rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 ${FOCUS_RING}`;
