import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { AppError } from "./errors.ts";
import { decodeClassList, detectSeparator, foldHeader, HEADERS, parseClassList } from "./class_import_csv.ts";

Deno.test("class list - headers are recognised whatever their accents, case and punctuation", () => {
  assertEquals(HEADERS[foldHeader("NOM ÉLÈVE")], "lastName");
  assertEquals(HEADERS[foldHeader("Élève")], "fullName");
  assertEquals(HEADERS[foldHeader("Responsable 1 - Courriel")], "guardian1Email");
  assertEquals(HEADERS[foldHeader("Guardian 2 e-mail")], "guardian2Email");
  assertEquals(HEADERS[foldHeader("N° élève")], "ref");
});

Deno.test("class list - UTF-8 is used when the bytes are valid UTF-8, Windows-1252 otherwise", () => {
  assertEquals(decodeClassList(new TextEncoder().encode("Léa")), { text: "Léa", encoding: "utf-8" });
  assertEquals(decodeClassList(Uint8Array.from([0x4c, 0xe9, 0x61, 0x9c])), {
    text: "Léaœ",
    encoding: "windows-1252",
  });
});

Deno.test("class list - the separator is the one the header line holds more of, quotes aside", () => {
  assertEquals(detectSeparator("Nom;Prénom;Classe\r\nA;B;C"), ";");
  assertEquals(detectSeparator("Name,First name,Class\nA,B,C"), ",");
  assertEquals(detectSeparator('"Nom, complet";Classe\nA;B'), ";");
});

Deno.test("class list - quoted cells, a BOM and blank lines are read; a file without the class column is refused", () => {
  const bytes = new TextEncoder().encode('\uFEFFÉlève;Classe\r\n"Dupont; Léa";CM2 A\r\n;\r\n\r\nTom;CE1\r\n');
  const parsed = parseClassList(bytes);
  assertEquals(parsed.rows.map((r) => [r.line, r.cells.fullName, r.cells.className]), [
    [2, "Dupont; Léa", "CM2 A"],
    [5, "Tom", "CE1"],
  ]);
  const error = assertThrows(() => parseClassList(new TextEncoder().encode("Nom;Prénom\nA;B\n")), AppError);
  assertEquals(error.code, "bad_request");
});
