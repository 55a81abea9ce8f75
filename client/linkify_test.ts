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

Deno.test("linkify - www. addresses and e-mail addresses become links", () => {
  assertEquals(linkify("Le site www.jules-ferry.fr, ou ecrire a vie.scolaire@jules-ferry.fr."), [
    { kind: "text", text: "Le site " },
    { kind: "link", text: "www.jules-ferry.fr", href: "http://www.jules-ferry.fr/" },
    { kind: "text", text: ", ou ecrire a " },
    { kind: "link", text: "vie.scolaire@jules-ferry.fr", href: "mailto:vie.scolaire@jules-ferry.fr" },
    { kind: "text", text: "." },
  ]);
});
