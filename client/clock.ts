/**
 * Time as the islands show it: a `now` that ticks (relative times and countdowns stay current)
 * and the reader's time zone (the browser's own; the server render uses the one the browser told
 * it through the `preau_tz` cookie, or a default, so both renders usually agree).
 */
import { useEffect, useState } from "preact/hooks";
import { TIME_ZONE_COOKIE } from "../i18n/format.ts";
import { inBrowser } from "./use_chat.ts";

/** Current time, re-rendering the caller every `intervalMs` (not at all on the server). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

let remembered = false;

/** The time zone to format with; in the browser also remembers it in a cookie for later renders. */
export function useTimeZone(serverTimeZone: string): string {
  if (!inBrowser()) return serverTimeZone;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || serverTimeZone;
  if (!remembered) {
    remembered = true;
    document.cookie = `${TIME_ZONE_COOKIE}=${
      encodeURIComponent(zone)
    }; path=/; max-age=31536000; samesite=lax`;
  }
  return zone;
}
