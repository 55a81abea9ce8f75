import { assertEquals } from "../tests/support/assert.ts";
import type { Message } from "../db/models.ts";
import { ConversationStream, type StreamWatcher } from "./conversation_stream.ts";
import { sleep } from "../util/timeout.ts";

const C = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const message = (seq: number): Message => ({
  id: `m${seq}`,
  conversationId: C,
  seq,
  senderId: "s",
  senderName: "S",
  body: `n° ${seq}`,
  createdAt: new Date(0),
});

/** A database holding seqs 1..`last` (or fewer), that counts reads and can fail on demand. */
function fakeDb(last: number) {
  const db = {
    last,
    reads: 0,
    failures: 0,
    fetchAfter(_id: string, after: number, limit: number): Promise<Message[]> {
      db.reads++;
      if (db.failures > 0) {
        db.failures--;
        return Promise.reject(new Error("connection lost"));
      }
      const out: Message[] = [];
      for (let seq = after + 1; seq <= db.last && out.length < limit; seq++) out.push(message(seq));
      return Promise.resolve(out);
    },
  };
  return db;
}

function recorder(): StreamWatcher & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    deliver(_c, m, clientId) {
      got.push(clientId === undefined ? `${m.seq}` : `${m.seq}:ack:${clientId}`);
    },
  };
}

/** Resolves once the stream has nothing left to read or deliver. */
async function settled(stream: ConversationStream) {
  for (let i = 0; i < 1000 && stream.busy; i++) await sleep(1);
  assertEquals(stream.busy, false, "the stream settled");
}

Deno.test("stream - hints in any order, repeated, come out once and in seq order", async () => {
  const db = fakeDb(5);
  const watcher = recorder();
  const stream = new ConversationStream(C, 0, { fetchAfter: db.fetchAfter, watchers: () => [watcher] });
  stream.hint(1, [message(1)]);
  stream.hint(3, [message(3)]);
  stream.hint(1, [message(1)]);
  stream.hint(2, [message(2)]);
  assertEquals(watcher.got, ["1", "2", "3"], "inline messages need no read once contiguous");
  stream.hint(5); // bare hint: 4 and 5 are read
  await settled(stream);
  assertEquals(watcher.got, ["1", "2", "3", "4", "5"]);
});

Deno.test("stream - the sender's ack takes its message's place in the order", async () => {
  const db = fakeDb(3);
  const sender = recorder();
  const other = recorder();
  const stream = new ConversationStream(C, 0, { fetchAfter: db.fetchAfter, watchers: () => [sender, other] });
  assertEquals(stream.expectAck(3, sender, "c-3"), true);
  stream.hint(3, [message(3)]); // 1 and 2 are not there yet: read first
  await settled(stream);
  assertEquals(sender.got, ["1", "2", "3:ack:c-3"]);
  assertEquals(other.got, ["1", "2", "3"]);
  assertEquals(stream.expectAck(2, sender, "c-2"), false, "already delivered: the caller acks at once");
});

Deno.test("stream - a failed read is retried, and requestSync picks up what no hint announced", async () => {
  const db = fakeDb(2);
  db.failures = 2;
  const watcher = recorder();
  const stream = new ConversationStream(C, 0, {
    fetchAfter: db.fetchAfter,
    watchers: () => [watcher],
    retryDelayMs: () => 1,
  });
  const warn = console.warn;
  console.warn = () => {};
  try {
    stream.hint(2);
    await settled(stream);
  } finally {
    console.warn = warn;
  }
  assertEquals(watcher.got, ["1", "2"]);
  db.last = 4; // stored while hints were lost
  stream.requestSync();
  await settled(stream);
  assertEquals(watcher.got, ["1", "2", "3", "4"]);
});

Deno.test("stream - a hint for a seq the database does not have is forgotten after one read", async () => {
  const db = fakeDb(1);
  const watcher = recorder();
  const stream = new ConversationStream(C, 0, { fetchAfter: db.fetchAfter, watchers: () => [watcher] });
  stream.hint(9);
  await settled(stream);
  assertEquals(watcher.got, ["1"]);
  const reads = db.reads;
  db.last = 2;
  stream.hint(2, [message(2)]);
  assertEquals(watcher.got, ["1", "2"], "later seqs still flow");
  await settled(stream);
  assertEquals(db.reads, reads, "no endless reading");
});

Deno.test("stream - reads page through long gaps and nothing is delivered after close", async () => {
  const db = fakeDb(250);
  const watcher = recorder();
  const stream = new ConversationStream(C, 10, {
    fetchAfter: db.fetchAfter,
    watchers: () => [watcher],
    batchSize: 100,
  });
  stream.hint(250);
  await settled(stream);
  assertEquals(watcher.got, Array.from({ length: 240 }, (_, i) => `${i + 11}`));
  stream.close();
  stream.hint(251, [message(251)]);
  assertEquals(watcher.got.length, 240);
});
