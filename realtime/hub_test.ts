import { assert, assertEquals } from "../tests/support/assert.ts";
import type { Database } from "../db/types.ts";
import type { Message } from "../db/models.ts";
import type { Messaging } from "../domain/messaging.ts";
import { Connection } from "./connection.ts";
import { Hub } from "./hub.ts";
import { type RealtimeOptions, resolveOptions } from "./options.ts";

const C = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const SENDER = "0f9e8d7c-6b5a-4c3d-8e1f-2a3b4c5d6e7f";

/** Just enough of a server WebSocket: keeps the texts it is given. */
class FakeSocket {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  texts: string[] = [];
  onmessage: unknown = null;
  onclose: unknown = null;
  onerror: unknown = null;
  send(text: string) {
    this.texts.push(text);
  }
  closedWith: number | undefined;
  close(code?: number) {
    this.closedWith = code;
    this.readyState = WebSocket.CLOSING;
  }
  addEventListener() {}
}

/** A hub over nothing (no database: these tests never read one) and a way to open sockets on C. */
function testHub(options: RealtimeOptions = {}) {
  const hub = new Hub({
    db: {} as Database,
    messaging: {} as Messaging,
    options: resolveOptions(options, "pglite"),
  });
  const open = (userId: string = crypto.randomUUID()) => {
    const socket = new FakeSocket();
    const conn = new Connection(hub, socket as unknown as WebSocket, { id: userId, name: "x" }, "s");
    hub.attach(conn, C, 0);
    return socket;
  };
  return { hub, open };
}

/** A hub with `readers` sockets of different people and `senderTabs` sockets of the sender, all on C. */
function scene(readers: number, senderTabs: number) {
  const { hub, open } = testHub();
  const readerSockets = Array.from({ length: readers }, () => open());
  const senderSockets = Array.from({ length: senderTabs }, () => open(SENDER));
  return { hub, readerSockets, senderSockets };
}

/** Counts JSON.stringify calls made while `fn` runs. */
function stringifyCalls(fn: () => void): number {
  const original = JSON.stringify;
  let calls = 0;
  JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => {
    calls++;
    return original(...args);
  }) as typeof JSON.stringify;
  try {
    fn();
  } finally {
    JSON.stringify = original;
  }
  return calls;
}

const message: Message = {
  id: "m1",
  conversationId: C,
  seq: 1,
  senderId: SENDER,
  senderName: "Marc",
  body: "Bonjour à tous",
  createdAt: new Date(0),
  clientId: "c-1",
};

Deno.test("hub - a message reaching 200 sockets is serialised once, plus once for the sender's other tabs", () => {
  const { hub, readerSockets, senderSockets } = scene(200, 3);
  const calls = stringifyCalls(() =>
    hub.onEvent({ kind: "message", conversationId: C, seq: 1, messages: [message] })
  );
  assertEquals(calls, 2, "one text for everyone, one (with the clientId) for the sender's tabs");
  const shared = readerSockets[0]!.texts[0]!;
  assert(
    readerSockets.every((s) => s.texts.length === 1 && s.texts[0] === shared),
    "the same string everywhere",
  );
  assertEquals(JSON.parse(shared).message.clientId, undefined, "nobody else learns the clientId");
  assert(senderSockets.every((s) => JSON.parse(s.texts[0]!).message.clientId === "c-1"));
  hub.close();
});

Deno.test("hub - typing and read frames reaching 200 sockets are serialised once each", () => {
  const { hub, readerSockets } = scene(200, 1);
  const calls = stringifyCalls(() => {
    hub.onEvent({ kind: "typing", id: "e1", conversationId: C, userId: SENDER, name: "Marc", typing: true });
    hub.onEvent({ kind: "read", id: "e2", conversationId: C, userId: SENDER, seq: 1 });
  });
  assertEquals(calls, 2);
  assert(readerSockets.every((s) => s.texts.length === 2));
  hub.close();
});

Deno.test("hub - a lagging socket's message frames give way to one resync frame; the others get everything", async () => {
  const { hub, open: make } = testHub({ maxBufferedBytes: 64 * 1024, maxOutboxFrames: 50 });
  const publish = (from: number, to: number) => {
    for (let seq = from; seq <= to; seq++) {
      const m = { ...message, id: `m${seq}`, seq, clientId: undefined };
      hub.onEvent({ kind: "message", conversationId: C, seq, messages: [m] });
    }
  };
  const slow = make();
  const fine = make();
  slow.bufferedAmount = 1024 * 1024; // its reader stopped: Deno's buffer is full
  publish(1, 70);
  assertEquals(slow.texts.length, 0, "nothing handed to a full buffer");
  assertEquals([hub.stats().resyncs, hub.stats().lagging], [1, 1]);
  assertEquals(slow.closedWith, undefined, "told to resync, not closed");
  slow.bufferedAmount = 0; // it reads again: the hub's timer hands the outbox over
  const deadline = Date.now() + 2000;
  while (hub.stats().lagging > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  publish(71, 120);
  const got = slow.texts.map((t) => JSON.parse(t));
  assertEquals(got[0].type, "resync");
  const lastSeq = got[0].conversations[0].lastSeq as number;
  assertEquals(got[0].conversations, [{ id: C, lastSeq }]);
  assert(lastSeq >= 50 && lastSeq < 70, `dropped up to ${lastSeq}`);
  assertEquals(
    got.slice(1).map((f) => f.message.seq),
    Array.from({ length: 120 - lastSeq }, (_, i) => lastSeq + 1 + i),
    "then everything after lastSeq, in order",
  );
  assertEquals(fine.texts.length, 120, "the other socket got every message");
  hub.close();
});

Deno.test("hub - a socket that still does not read after its resync frame is closed with 1013", () => {
  const { hub, open } = testHub({ maxBufferedBytes: 64 * 1024, maxOutboxFrames: 50 });
  const socket = open();
  socket.bufferedAmount = 1024 * 1024;
  for (let seq = 1; seq <= 200 && socket.closedWith === undefined; seq++) {
    hub.onEvent({ kind: "message", conversationId: C, seq, messages: [{ ...message, id: `m${seq}`, seq }] });
  }
  assertEquals(hub.stats().resyncs, 1);
  assertEquals(socket.closedWith, 1013);
  hub.close();
});
