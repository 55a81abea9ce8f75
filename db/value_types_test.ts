import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { parseBytea, parseInt8, serializeBytea, serializeJson } from "./value_types.ts";

Deno.test("parseInt8 - safe integers become numbers, larger ones stay exact as bigint", () => {
  assertEquals(parseInt8("0"), 0);
  assertEquals(parseInt8("-9007199254740991"), -9007199254740991);
  assertEquals(parseInt8("9007199254740992"), 9007199254740992n);
  assertEquals(parseInt8("-9223372036854775808"), -9223372036854775808n);
});

Deno.test("serializeJson - strings are taken as JSON text, values are encoded, bigints as strings", () => {
  assertEquals(serializeJson('{"a":1}'), '{"a":1}');
  assertEquals(serializeJson({ a: [1, null], b: 2n }), '{"a":[1,null],"b":"2"}');
  assertEquals(serializeJson(null), "null");
});

Deno.test("bytea - hex text round-trips through Uint8Array", () => {
  const bytes = new Uint8Array([0, 1, 127, 128, 255]);
  assertEquals(serializeBytea(bytes), "\\x00017f80ff");
  assertEquals(parseBytea("\\x00017f80ff"), bytes);
  assertEquals(parseBytea("\\x"), new Uint8Array());
  assertThrows(() => serializeBytea("not bytes"), TypeError);
});
