import { firstGap, mergeMessages } from "./messages.ts";
import { assertEquals } from "../tests/support/assert.ts";
import type { WireMessage } from "./types.ts";

const m = (seq: number, id = `m${seq}`): WireMessage => ({
  id,
  conversationId: "c",
  seq,
  senderId: "u",
  senderName: "U",
  body: `#${seq}`,
  createdAt: new Date(seq * 1000).toISOString(),
});

Deno.test("messages - merging de-duplicates by id and orders by seq", () => {
  const held = [m(1), m(2), m(4)];
  const merged = mergeMessages(held, [m(4), m(3), m(2), m(5), m(5)]);
  assertEquals(merged.map((x) => x.seq), [1, 2, 3, 4, 5]);
  assertEquals(mergeMessages(merged, [m(3)]) === merged, true, "nothing new keeps the same array");
});

Deno.test("messages - a skipped seq is found as a gap after the last contiguous one", () => {
  assertEquals(firstGap([m(1), m(2), m(3)]), undefined);
  assertEquals(firstGap([m(4), m(5), m(8), m(9)]), 5);
  assertEquals(firstGap([]), undefined);
});

Deno.test("messages - newer messages are appended as a new array, the held one unchanged", () => {
  const held = [m(1), m(2)];
  const merged = mergeMessages(held, [m(3), m(5)]);
  assertEquals(merged.map((x) => x.seq), [1, 2, 3, 5]);
  assertEquals(held.map((x) => x.seq), [1, 2], "signals need a new array");
  assertEquals(mergeMessages(merged, []) === merged, true);
  assertEquals(mergeMessages([], [m(2), m(1)]).map((x) => x.seq), [1, 2], "out of order still sorts");
  assertEquals(mergeMessages([m(1)], [m(2), m(2)]).map((x) => x.seq), [1, 2], "a repeat still de-duplicates");
});
