import { assertEquals } from "../tests/support/assert.ts";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "./bus_events.ts";

const message = {
  id: "3f1c1e9e-7d8a-4a53-9d3c-1c2b3a4d5e6f",
  conversationId: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
  seq: 7,
  senderId: "0f9e8d7c-6b5a-4c3d-8e1f-2a3b4c5d6e7f",
  senderName: "Claire Lefèvre",
  body: "Réunion jeudi 😀",
  createdAt: new Date("2026-03-01T08:30:00.123Z"),
};

Deno.test("bus events - an envelope survives encoding, dates included", () => {
  const envelope: Envelope = {
    src: "instance-1",
    events: [
      { kind: "message", conversationId: message.conversationId, seq: 7, messages: [message] },
      {
        kind: "typing",
        id: "e1",
        conversationId: message.conversationId,
        userId: "u1",
        name: "Léa",
        typing: true,
      },
      { kind: "read", id: "e2", conversationId: message.conversationId, userId: "u1", seq: 3 },
      { kind: "conversation", id: "e3", conversationId: message.conversationId },
      { kind: "session_ended", id: "e4", sessionId: "s1" },
      { kind: "membership_changed", id: "e5", userId: "u1", establishmentId: "x1" },
    ],
  };
  assertEquals(decodeEnvelope(encodeEnvelope(envelope)), envelope);
  assertEquals(decodeEnvelope(JSON.stringify({ src: "i", events: [], hb: 4 })), {
    src: "i",
    events: [],
    hb: 4,
  });
});

Deno.test("bus events - anything malformed decodes to null instead of reaching sockets", () => {
  for (
    const text of [
      "not json",
      "[]",
      JSON.stringify({ events: [] }),
      JSON.stringify({ src: "i", events: [{ kind: "unknown", id: "x" }] }),
      JSON.stringify({ src: "i", events: [{ kind: "message", conversationId: "c", seq: -1 }] }),
      JSON.stringify({ src: "i", events: [{ kind: "message", conversationId: "c", seq: 1.5 }] }),
      JSON.stringify({
        src: "i",
        events: [{ kind: "typing", id: "x", conversationId: "c", userId: "u", name: "n" }],
      }),
      JSON.stringify({
        src: "i",
        events: [{ kind: "message", conversationId: "c", seq: 1, messages: [{}] }],
      }),
      JSON.stringify({ src: "i", events: [], hb: "1" }),
    ]
  ) {
    assertEquals(decodeEnvelope(text), null, text);
  }
  const hint = (m: unknown) =>
    JSON.stringify({ src: "i", events: [{ kind: "message", conversationId: "c", seq: 1, messages: [m] }] });
  assertEquals(decodeEnvelope(hint({ ...message, createdAt: "yesterday" })), null);
});

Deno.test("bus events - fields a newer instance adds are dropped, not trusted", () => {
  const decoded = decodeEnvelope(JSON.stringify({
    src: "i",
    events: [{ kind: "message", conversationId: "c", seq: 7, messages: [{ ...message, extra: true }] }],
  }));
  assertEquals(decoded?.events[0], { kind: "message", conversationId: "c", seq: 7, messages: [message] });
});
