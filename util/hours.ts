/**
 * Weekly availability hours ("Monday–Friday 7:30–19:00, Europe/Paris"), shared by the server (digests
 * wait for them) and the browser (the composer says when staff answer). Pure; time-zone math with Intl.
 */

/** Hours of one week, in one time zone. */
export interface WeeklyHours {
  /** A bit per weekday: bit 0 = Monday … bit 6 = Sunday. */
  days: number;
  /** Opening minute of the day, 0–1439. */
  opens: number;
  /** Closing minute of the day, 1–1440, after `opens`. */
  closes: number;
  /** IANA time zone the minutes are in ("Europe/Paris"). */
  timeZone: string;
}

/** Monday–Friday 7:30–19:00 Europe/Paris: the default of every establishment. */
export const DEFAULT_HOURS: Readonly<WeeklyHours> = Object.freeze({
  days: 0b0011111,
  opens: 7 * 60 + 30,
  closes: 19 * 60,
  timeZone: "Europe/Paris",
});

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The weekday (0 = Monday) and minute of the day of `at` in `timeZone`. */
export function localWeekMinute(at: Date, timeZone: string): { day: number; minute: number } {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    day: WEEKDAYS[parts.weekday ?? ""] ?? 0,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** True when `at` falls inside the hours. */
export function isWithinHours(hours: WeeklyHours, at: Date): boolean {
  const { day, minute } = localWeekMinute(at, hours.timeZone);
  return (hours.days & (1 << day)) !== 0 && minute >= hours.opens && minute < hours.closes;
}

/** True when the value is a valid {@linkcode WeeklyHours} (days bits, minutes in order, a known zone). */
export function isValidHours(hours: WeeklyHours): boolean {
  return Number.isInteger(hours.days) && hours.days >= 0 && hours.days <= 127 &&
    Number.isInteger(hours.opens) && Number.isInteger(hours.closes) &&
    hours.opens >= 0 && hours.closes <= 1440 && hours.opens < hours.closes && isTimeZone(hours.timeZone);
}

/** True when Intl knows the IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** "07:30" → 450; null unless HH:MM with 00–24 hours ("24:00" is the end of the day). */
export function parseClock(text: string): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const minute = Number(match[1]) * 60 + Number(match[2]);
  return Number(match[2]) < 60 && minute <= 1440 ? minute : null;
}

/** 450 → "07:30" (the value of an `<input type="time">`). */
export function formatClock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

/** The weekdays of the mask as runs of consecutive days: Mon–Fri → [[0, 4]]; Mon, Wed → [[0,0],[2,2]]. */
export function dayRuns(days: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let d = 0; d < 7; d++) {
    if ((days & (1 << d)) === 0) continue;
    const last = runs.at(-1);
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }
  return runs;
}
