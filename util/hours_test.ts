import { assertEquals } from "../tests/support/assert.ts";
import { DEFAULT_HOURS, isWithinHours, localWeekMinute, parseClock } from "./hours.ts";

Deno.test("hours - Paris hours follow the local clock across daylight saving time", () => {
  // Wednesday 2 December 2026, 07:29 and 07:30 in Paris (UTC+1).
  assertEquals(isWithinHours(DEFAULT_HOURS, new Date("2026-12-02T06:29:00Z")), false);
  assertEquals(isWithinHours(DEFAULT_HOURS, new Date("2026-12-02T06:30:00Z")), true);
  // 18:59 and 19:00 in Paris in June (UTC+2).
  assertEquals(isWithinHours(DEFAULT_HOURS, new Date("2026-06-03T16:59:00Z")), true);
  assertEquals(isWithinHours(DEFAULT_HOURS, new Date("2026-06-03T17:00:00Z")), false);
  // Saturday noon is closed.
  assertEquals(isWithinHours(DEFAULT_HOURS, new Date("2026-12-05T11:00:00Z")), false);
  assertEquals(localWeekMinute(new Date("2026-12-06T23:30:00Z"), "Europe/Paris"), { day: 0, minute: 30 });
});

Deno.test("hours - clock texts parse to minutes, and nonsense does not", () => {
  assertEquals([parseClock("07:30"), parseClock("7:05"), parseClock("24:00")], [450, 425, 1440]);
  assertEquals([parseClock("25:00"), parseClock("12:60"), parseClock("noon")], [null, null, null]);
});
