import { linkify } from "./linkify.ts";
import { assertEquals } from "../tests/support/assert.ts";

Deno.test("linkify - http and https URLs become links, sentence punctuation stays outside", () => {
  assertEquals(linkify("Voir https://example.org/a?b=1. Merci"), [
    { kind: "text", text: "Voir " },
    { kind: "link", text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
    { kind: "text", text: ". Merci" },
  ]);
  assertEquals(linkify("(http://x.test/wiki/A_(b))")[1], {
    kind: "link",
    text: "http://x.test/wiki/A_(b)",
    href: "http://x.test/wiki/A_(b)",
  });
});

Deno.test("linkify - other schemes and markup stay plain text", () => {
  for (
    const text of ["javascript:alert(1)", "<script>alert(1)</script>", "data:text/html,<b>x</b>", "ftp://x"]
  ) {
    assertEquals(linkify(text), [{ kind: "text", text }]);
  }
  assertEquals(linkify(""), []);
});
