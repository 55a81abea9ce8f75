import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { computed, Signal, signal } from "@preact/signals";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { deserialize, serialize } from "./serialize.ts";

Deno.test("serialize - Date, Map, Set, undefined, BigInt and repeated objects round-trip", () => {
  const shared = { x: 1 };
  const value = {
    when: new Date("2024-01-02T03:04:05.678Z"),
    map: new Map<string, unknown>([["a", 1], ["b", { c: [1, 2] }]]),
    set: new Set(["x", "y"]),
    missing: undefined,
    big: 12345678901234567890n,
    left: shared,
    right: shared,
  };
  const back = deserialize<typeof value>(serialize(value));
  assertEquals(back, value);
  assert("missing" in back);
  assert(back.left === back.right, "repeated references stay one object");
});

Deno.test("serialize - one signal referenced twice comes back as one shared signal", () => {
  const count = signal(0);
  const back = deserialize<{ a: Signal<number>; b: Signal<number>; other: Signal<number> }>(
    serialize({ a: count, b: count, other: signal(0) }),
  );
  assert(back.a instanceof Signal);
  assertEquals(back.a.value, 0, "a signal holding 0 keeps its value");
  assert(back.a === back.b, "the same server signal must be one client signal");
  assert(back.a !== back.other, "distinct signals stay distinct");
  back.a.value = 5;
  assertEquals(back.b.value, 5);
});

Deno.test("serialize - signals holding objects and computed signals keep their values", () => {
  const source = signal({ when: new Date(0), tags: ["a"] });
  const back = deserialize<{ s: Signal<{ when: Date; tags: string[] }>; c: Signal<number> }>(
    serialize({ s: source, c: computed(() => 21 * 2) }),
  );
  assertEquals(back.s.value, { when: new Date(0), tags: ["a"] });
  assertEquals(back.c.value, 42);
});

Deno.test("serialize - a </script> in a string cannot end the script element and parses back", () => {
  const evil = "</script><script>alert(1)</script><!-- x --> & \u2028\u2029 </SCRIPT >";
  const text = serialize({ name: evil });
  assert(!/[<>\u2028\u2029]/.test(text), text);
  const html = renderToString(
    h("script", { type: "application/json", id: "s", dangerouslySetInnerHTML: { __html: text } }),
  );
  assertEquals(html.toLowerCase().split("<script").length - 1, 1, "the prop created a second <script>");
  assertEquals(html.toLowerCase().split("</script").length - 1, 1, "the prop closed the script early");
  const inner = /<script[^>]*>([\s\S]*)<\/script>/.exec(html)![1]!;
  assertEquals(deserialize<{ name: string }>(inner).name, evil);
});

Deno.test("serialize - functions are refused with the path of the offending value", () => {
  let message = "";
  try {
    serialize([{ props: { onClick: () => {} } }]);
  } catch (error) {
    message = String(error) + String((error as { path?: string }).path);
  }
  assert(message.includes("Cannot stringify a function"), message);
  assert(message.includes("onClick"), message);
});
