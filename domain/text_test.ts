import { assertEquals, assertStringIncludes, assertThrows } from "../tests/support/assert.ts";
import { AppError } from "./errors.ts";
import {
  codePointLength,
  conversationTitle,
  isBlank,
  isStorable,
  MAX_BODY_CODE_POINTS,
  messageBody,
  normalizeText,
} from "./text.ts";

function assertAppError(fn: () => unknown, code: string, field: string): void {
  const error = assertThrows(fn, AppError);
  assertEquals(error.code, code);
  assertStringIncludes(error.message, `${field}:`);
}

Deno.test("text - code points, not UTF-16 units, are counted", () => {
  assertEquals(codePointLength(""), 0);
  assertEquals(codePointLength("abc"), 3);
  assertEquals(codePointLength("👋🏽"), 2); // 4 UTF-16 units
  assertEquals(codePointLength("e\u0301"), 2);
  assertEquals(codePointLength(normalizeText("e\u0301")), 1);
});

Deno.test("text - blank means nothing visible", () => {
  for (const blank of ["", " ", "\n\t ", "\u00a0", "\u3000", "\u200b\u200d", "\ufeff"]) {
    assertEquals(isBlank(blank), true, JSON.stringify(blank));
  }
  for (const text of ["a", " . ", "👋", "\u0301"]) assertEquals(isBlank(text), false, JSON.stringify(text));
});

Deno.test("text - NUL and lone surrogates are not storable", () => {
  assertEquals(isStorable("bonjour 👋"), true);
  assertEquals(isStorable("a\u0000b"), false);
  assertEquals(isStorable("\ud83d"), false);
});

Deno.test("message body - returned NFC-normalised, whitespace kept", () => {
  assertEquals(messageBody("  Cafe\u0301\n"), "  Caf\u00e9\n");
});

Deno.test("message body - blank is a bad request naming the body", () => {
  for (const blank of ["", "   ", "\n\n", "\u200b"]) {
    assertAppError(() => messageBody(blank), "bad_request", "body");
  }
});

Deno.test("message body - exactly 4000 code points pass, 4001 are too large", () => {
  assertEquals(codePointLength(messageBody("x".repeat(MAX_BODY_CODE_POINTS))), 4000);
  assertEquals(codePointLength(messageBody("😀".repeat(MAX_BODY_CODE_POINTS))), 4000); // 8000 UTF-16 units
  assertAppError(() => messageBody("x".repeat(MAX_BODY_CODE_POINTS + 1)), "too_large", "body");
});

Deno.test("message body - the limit applies after NFC", () => {
  // 8000 code points as typed, 4000 once composed: accepted.
  assertEquals(messageBody("e\u0301".repeat(4000)), "\u00e9".repeat(4000));
  assertAppError(() => messageBody("e\u0301".repeat(4001)), "too_large", "body");
});

Deno.test("message body - unstorable characters are a bad request", () => {
  assertAppError(() => messageBody("a\u0000"), "bad_request", "body");
  assertAppError(() => messageBody("a\udc00"), "bad_request", "body");
});

Deno.test("conversation title - trimmed and normalised; blank or absent means none", () => {
  assertEquals(conversationTitle("  Sortie au muse\u0301e  "), "Sortie au mus\u00e9e");
  assertEquals(conversationTitle("   "), null);
  assertEquals(conversationTitle(undefined), null);
  assertEquals(conversationTitle(null), null);
});

Deno.test("conversation title - over 200 code points is a bad request naming the title", () => {
  assertEquals(conversationTitle("é".repeat(200))?.length, 200);
  assertAppError(() => conversationTitle("t".repeat(201)), "bad_request", "title");
});
