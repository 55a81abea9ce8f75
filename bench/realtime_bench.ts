/**
 * Real-time latency on one instance (embedded PGlite, local tier): how long a `send` takes to be
 * stored and acked, and to reach another member's socket. Timings only, never pass/fail; the
 * cross-instance guarantees are tested in tests/realtime_*_test.ts.
 */
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { migrate } from "../db/migrate.ts";
import { startTestServer } from "../tests/support/server.ts";
import { connect, conversation, school, sendAndAck } from "../tests/support/realtime_fixtures.ts";

const unlimited = { capacity: 1e9, perSecond: 1e9 };
const db = await createPGliteDatabase("memory://");
await migrate(db);
const server = await startTestServer(db, { realtime: { sendRate: unlimited, frameRate: unlimited } });
const { establishment, people: [teacher, parent] } = await school(db, server, ["teacher", "parent"]);
const chat = await conversation(db, establishment.id, [teacher!, parent!]);
const sender = await connect(server, teacher!);
const receiver = await connect(server, parent!);
let n = 0;

Deno.bench(
  "realtime - send until its ack (stored, committed, ordered)",
  { group: "latency", baseline: true },
  async () => {
    await sendAndAck(sender.client, chat.id, `bench ${n++}`);
    await receiver.client.nextOfType("message");
  },
);

Deno.bench("realtime - send until the other member's socket has it", { group: "latency" }, async () => {
  const body = `bench ${n++}`;
  sender.client.send({ type: "send", clientId: crypto.randomUUID(), conversationId: chat.id, body });
  await receiver.client.next((f) => f.type === "message" && (f.message as { body: string }).body === body);
  await sender.client.nextOfType("ack");
});
