import { en } from "./en.ts";
import { fr } from "./fr.ts";
import { negotiateLocale, translator } from "./mod.ts";
import { formatDayLabel, formatRelative } from "./format.ts";
import { assertEquals } from "../tests/support/assert.ts";

const params = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const texts = (entry: string | { one: string; other: string }) =>
  typeof entry === "string" ? [entry] : [entry.one, entry.other];

Deno.test("i18n - English has every French key with the same parameters", () => {
  assertEquals(Object.keys(en).sort(), Object.keys(fr).sort());
  for (const [key, value] of Object.entries(fr)) {
    const english = en[key as keyof typeof en];
    assertEquals(
      texts(english).map(params),
      texts(value).map(params),
      `parameters of ${key} differ between fr and en`,
    );
  }
});

Deno.test("i18n - t fills parameters and picks plural forms", () => {
  const tfr = translator("fr");
  const ten = translator("en");
  assertEquals(tfr("typing.one", { name: "Marc" }), "Marc écrit…");
  assertEquals(ten("typing.one", { name: "Marc" }), "Marc is typing…");
  assertEquals(tfr("list.unread", { count: 1 }), "1 message non lu");
  assertEquals(tfr("list.unread", { count: 3 }), "3 messages non lus");
  assertEquals(ten("list.unread", { count: 1 }), "1 unread message");
  assertEquals(ten("list.unread", { count: 0 }), "0 unread messages");
});

Deno.test("i18n - Accept-Language wins by quality, then the cookie, then French", () => {
  assertEquals(negotiateLocale("en-GB,en;q=0.9"), "en");
  assertEquals(negotiateLocale("de-DE, en;q=0.5, fr;q=0.8"), "fr");
  assertEquals(negotiateLocale("de-DE", "en"), "en");
  assertEquals(negotiateLocale(null, "en"), "en");
  assertEquals(negotiateLocale(null, "xx"), "fr");
  assertEquals(negotiateLocale("en;q=0", undefined), "fr");
});

Deno.test("i18n - day labels and relative times follow the locale and time zone", () => {
  const now = new Date("2024-06-05T10:00:00Z");
  const t = translator("fr");
  assertEquals(formatDayLabel(new Date("2024-06-05T06:00:00Z"), now, "fr", "Europe/Paris", t), "Aujourd'hui");
  assertEquals(formatDayLabel(new Date("2024-06-04T06:00:00Z"), now, "fr", "Europe/Paris", t), "Hier");
  assertEquals(
    formatDayLabel(new Date("2024-06-03T06:00:00Z"), now, "fr", "Europe/Paris", t),
    "lundi 3 juin",
  );
  // 23:30 UTC on the 4th is already the 5th in Paris.
  assertEquals(formatDayLabel(new Date("2024-06-04T23:30:00Z"), now, "fr", "Europe/Paris", t), "Aujourd'hui");
  assertEquals(formatRelative(new Date("2024-06-05T09:59:30Z"), now, "fr", "Europe/Paris", t), "à l'instant");
  assertEquals(
    formatRelative(new Date("2024-06-05T09:55:00Z"), now, "en", "Europe/Paris", translator("en")),
    "5 min. ago",
  );
});
