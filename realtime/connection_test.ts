import { assertEquals } from "../tests/support/assert.ts";
import type { Message } from "../db/models.ts";
import type { Messaging } from "../domain/messaging.ts";
import { RateLimiter } from "../domain/rate_limit.ts";
import { Connection, type ConnectionHost } from "./connection.ts";
import { resolveOptions } from "./options.ts";
import { sleep } from "../util/timeout.ts";

const C = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const ME = { id: "0f9e8d7c-6b5a-4c3d-8e1f-2a3b4c5d6e7f", name: "Marc" };
const message = (seq: number, senderId = ME.id): Message => ({
  id: `m${seq}`,
  conversationId: C,
  seq,
  senderId,
  senderName: senderId === ME.id ? ME.name : "Other",
  body: `n° ${seq}`,
  createdAt: new Date(0),
});

/** Just enough of a server WebSocket: records what is sent, lets the test push frames in. */
class FakeSocket {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: { type: string; [k: string]: unknown }[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = WebSocket.CLOSING;
  }
  addEventListener() {}
  receive(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

/** A host whose `sendMessage` answers when the test says so, over a store of seqs 1..`stored`. */
function setup(stored: number) {
  const sends: { resolve: (m: Message) => void; reject: (e: Error) => void }[] = [];
  const big = () => new RateLimiter({ capacity: 1000, refillPerSecond: 1000 });
  const socket = new FakeSocket();
  const host: ConnectionHost = {
    messaging: {
      sendMessage: () =>
        new Promise((resolve, reject) =>
          sends.push({ resolve: (m) => resolve({ message: m, created: true }), reject })
        ),
    } as unknown as Messaging,
    options: resolveOptions({}, "pglite"),
    limits: { typing: big(), frames: big() },
    stopping: false,
    attach: (conn, id, sentSeq) => conn.watch(id, sentSeq),
    unregister: () => {},
    acknowledge: (conn, m, clientId) => conn.deliver(m.conversationId, m, clientId),
    fetchAfter: (_id, after, limit) =>
      Promise.resolve(
        Array.from(
          { length: Math.max(0, Math.min(limit, stored - after)) },
          (_, i) => message(after + 1 + i),
        ),
      ),
  };
  const conn = new Connection(host, socket as unknown as WebSocket, ME, "session");
  conn.begin([{ id: C, establishmentId: "e", lastSeq: 0, readSeq: 0, unread: 0 }]);
  return { conn, socket, sends };
}

const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await sleep(0);
};
const summary = (socket: FakeSocket) =>
  socket.sent.map((f) =>
    f.type === "message" || f.type === "ack"
      ? `${f.type}:${(f.message as Message).seq}${f.clientId ? `:${f.clientId}` : ""}`
      : f.type
  );

Deno.test("connection - its own message read early waits for the send to return and goes out once, as the ack", async () => {
  const { conn, socket, sends } = setup(1);
  socket.receive({ type: "send", clientId: "x", conversationId: C, body: "hi" });
  await ticks();
  conn.deliver(C, message(1)); // another instance's hint made the stream read it first
  assertEquals(summary(socket), ["hello"], "held while the send is in flight");
  sends[0]!.resolve(message(1));
  await ticks();
  assertEquals(summary(socket), ["hello", "ack:1:x"]);
});

Deno.test("connection - a message of the user's other tab waits behind this socket's send, order kept", async () => {
  const { conn, socket, sends } = setup(2);
  socket.receive({ type: "send", clientId: "y", conversationId: C, body: "second" });
  await ticks();
  conn.deliver(C, message(1)); // sent from another tab of the same user
  conn.deliver(C, message(2));
  assertEquals(summary(socket), ["hello"]);
  sends[0]!.resolve(message(2));
  await ticks();
  assertEquals(summary(socket), ["hello", "message:1", "ack:2:y"]);
});

Deno.test("connection - a failed send releases what it held", async () => {
  const { conn, socket, sends } = setup(1);
  socket.receive({ type: "send", clientId: "z", conversationId: C, body: "nope" });
  await ticks();
  conn.deliver(C, message(1));
  sends[0]!.reject(new Error("boom"));
  const error = console.error;
  console.error = () => {};
  try {
    await ticks();
  } finally {
    console.error = error;
  }
  assertEquals(summary(socket), ["hello", "message:1", "error"]);
});

Deno.test("connection - a gap is read for this socket alone, then delivery goes on in order, once", async () => {
  const { conn, socket } = setup(3);
  conn.deliver(C, message(3, "someone-else"));
  await ticks();
  conn.deliver(C, message(2, "someone-else")); // late copy: already sent
  conn.deliver(C, message(4, "someone-else"));
  assertEquals(summary(socket), ["hello", "message:1", "message:2", "message:3", "message:4"]);
});
