import { assertEquals } from "../tests/support/assert.ts";
import { foldQuery, foldText, searchTextFor } from "./search_text.ts";

Deno.test("foldText - drops accents and case, whatever the input normalisation", () => {
  assertEquals(foldText("Hélène"), "helene");
  assertEquals(foldText("He\u0301le\u0300ne"), "helene"); // already decomposed
  assertEquals(foldText("ÇA ÉTÉ Œuvre"), "ca ete œuvre");
  assertEquals(foldText("Zoë Noël"), "zoe noel");
});

Deno.test("searchTextFor - lists name words, email words and the whole email", () => {
  assertEquals(
    searchTextFor("Hélène Dupont", "Parent.Dupont@example.test"),
    "helene dupont parent dupont example test parent.dupont@example.test example.test",
  );
});

Deno.test("searchTextFor - hyphenated names keep the written form and their parts", () => {
  assertEquals(
    searchTextFor("Anne-Marie  Lefèvre", "am@x.test"),
    "anne-marie lefevre anne marie lefevre am x test am@x.test x.test",
  );
});

Deno.test("foldQuery - folds and collapses whitespace", () => {
  assertEquals(foldQuery("  HÉLÈNE \t Dup "), "helene dup");
  assertEquals(foldQuery(""), "");
});
