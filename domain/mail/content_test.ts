import { assertEquals } from "../../tests/support/assert.ts";
import { escapeHtml, headerValue, parseMailbox, preview, textToHtml } from "./content.ts";

Deno.test("headerValue - CR/LF and control characters cannot start a new header", () => {
  assertEquals(headerValue("Hello\r\nBcc: victim@example.test"), "Hello Bcc: victim@example.test");
  assertEquals(headerValue("a\u0000b\tc\u2028d"), "a b c d");
});

Deno.test("escapeHtml - script and attributes are inert", () => {
  assertEquals(
    escapeHtml(`<script>alert("x")</script>&'`),
    "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;",
  );
  assertEquals(
    textToHtml("a<b>\nc\n\nd"),
    '<p style="margin:0 0 12px">a&#60;b&#62;<br>c</p>\n<p style="margin:0 0 12px">d</p>',
  );
});

Deno.test("preview - long text is cut on one line with an ellipsis", () => {
  assertEquals(preview("a\n b", 10), "a b");
  assertEquals(preview("x".repeat(20), 10), `${"x".repeat(9)}…`);
});

Deno.test("parseMailbox - accepts name and address forms, refuses junk", () => {
  assertEquals(parseMailbox("Préau <no-reply@school.test>"), {
    name: "Préau",
    address: "no-reply@school.test",
  });
  assertEquals(parseMailbox("a@b.test"), { name: "", address: "a@b.test" });
  assertEquals(parseMailbox("nobody"), undefined);
  assertEquals(parseMailbox("a@b.test\r\nBcc: c@d.test"), undefined);
});
