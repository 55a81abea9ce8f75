import { assert, assertEquals } from "../tests/support/assert.ts";
import { decodeEnvelope, type MessageHint, type PublishedEvent } from "../protocol/bus_events.ts";
import {
  carriesEventsOf,
  heartbeatPayload,
  mergeHints,
  packPayloads,
  payloadHead,
} from "./notify_payloads.ts";

const conversation = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const message = (seq: number, body = "ok") => ({
  id: crypto.randomUUID(),
  conversationId: conversation,
  seq,
  senderId: "0f9e8d7c-6b5a-4c3d-8e1f-2a3b4c5d6e7f",
  senderName: "Marc Martin",
  body,
  createdAt: new Date("2026-03-01T08:30:00Z"),
});
const hint = (seq: number, body?: string): MessageHint => ({
  kind: "message",
  conversationId: conversation,
  seq,
  messages: [message(seq, body)],
});
const bytes = (text: string) => new TextEncoder().encode(text).length;

Deno.test("notify payloads - hints of one conversation merge into the highest seq with their messages", () => {
  const typing: PublishedEvent = {
    kind: "typing",
    id: "t",
    conversationId: conversation,
    userId: "u",
    name: "n",
    typing: true,
  };
  const merged = mergeHints([hint(3), typing, hint(1), hint(2)]);
  assertEquals(merged.length, 2);
  const [first, second] = merged as [MessageHint, PublishedEvent];
  assertEquals([first.seq, first.messages?.map((m) => m.seq)], [3, [1, 2, 3]]);
  assertEquals(second, typing);
});

Deno.test("notify payloads - large messages travel as bare hints, small ones inline", () => {
  const [small] = packPayloads("src", [hint(1, "court")]);
  assertEquals((decodeEnvelope(small!)!.events[0] as MessageHint).messages?.length, 1);
  const [large] = packPayloads("src", [hint(2, "é".repeat(4000))]);
  const event = decodeEnvelope(large!)!.events[0] as MessageHint;
  assertEquals([event.seq, event.messages], [2, undefined]);
});

Deno.test("notify payloads - a burst into one conversation rides inline across payloads, in seq order, a letter left to be read", () => {
  const burst: PublishedEvent[] = [];
  for (let seq = 1; seq <= 40; seq++) {
    burst.push(hint(seq, seq === 20 ? "é".repeat(4000) : `ligne ${seq} `.repeat(30)));
  }
  const payloads = packPayloads("src", burst, { maxBytes: 7000 });
  assert(payloads.length > 1, "more than one payload holds them");
  for (const payload of payloads) assert(bytes(payload) <= 7000, `${bytes(payload)} bytes`);
  const hints = payloads.flatMap((p) => decodeEnvelope(p)!.events) as MessageHint[];
  const inline = hints.flatMap((h) => h.messages ?? []).map((m) => m.seq);
  assertEquals(inline, Array.from({ length: 40 }, (_, i) => i + 1).filter((seq) => seq !== 20));
  assertEquals(hints.at(-1)!.seq, 40, "the last hint covers every seq, the letter's too");
  for (const h of hints) assert(h.messages === undefined || h.messages.every((m) => m.seq <= h.seq));
});

Deno.test("notify payloads - a big batch is split into payloads under the limit, losing nothing", () => {
  const events: PublishedEvent[] = [];
  for (let i = 0; i < 300; i++) {
    events.push({
      kind: "read",
      id: crypto.randomUUID(),
      conversationId: crypto.randomUUID(),
      userId: "u",
      seq: i,
    });
  }
  const payloads = packPayloads("src", events, { maxBytes: 7000 });
  assert(payloads.length > 1, "split");
  for (const payload of payloads) assert(bytes(payload) <= 7000, `${bytes(payload)} bytes`);
  const decoded = payloads.flatMap((p) => decodeEnvelope(p)!.events);
  assertEquals(decoded, events);
});

Deno.test("notify payloads - an instance tells its own event payloads from its heartbeats and others' payloads", () => {
  const head = payloadHead("A");
  const [own] = packPayloads("A", [{ kind: "message", conversationId: "c", seq: 1 }]);
  assert(carriesEventsOf(own!, head));
  assert(!carriesEventsOf(heartbeatPayload("A", 3), head));
  assertEquals(JSON.parse(heartbeatPayload("A", 3)), { src: "A", events: [], hb: 3 });
  assert(!carriesEventsOf(packPayloads("B", [{ kind: "message", conversationId: "c", seq: 1 }])[0]!, head));
});
