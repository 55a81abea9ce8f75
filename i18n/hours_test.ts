import { assertEquals } from "../tests/support/assert.ts";
import { DEFAULT_HOURS } from "../util/hours.ts";
import { formatAvailability } from "./hours.ts";
import { translator } from "./mod.ts";

Deno.test("hours - the default hours read as the school says them, in French and English", () => {
  assertEquals(
    formatAvailability(translator("fr"), "fr", "Marc Martin", DEFAULT_HOURS),
    "Marc Martin répond du lundi au vendredi, 7 h 30–19 h",
  );
  assertEquals(
    formatAvailability(translator("en"), "en", "Marc Martin", DEFAULT_HOURS),
    "Marc Martin replies Monday to Friday, 7:30 AM–7:00 PM",
  );
  assertEquals(
    formatAvailability(translator("fr"), "fr", "Zoé", {
      ...DEFAULT_HOURS,
      days: 0b0010101,
      opens: 480,
      closes: 720,
    }),
    "Zoé répond le lundi, le mercredi, le vendredi, 8 h–12 h",
  );
});
