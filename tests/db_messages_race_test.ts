/**
 * The group commit's one statement (`db/messages.ts` appendMessagesOnce) under true concurrency:
 * statements on different connections that wait for the same conversation's lock. Each reads what
 * was stored when it began, so the one that gets the lock second finds the (sender, clientId) it
 * was about to insert stored meanwhile: it must fail whole (no seq allocated for nothing) and be
 * run again, which reads the stored row back.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { dbKindTest, newPostgresDatabaseUrl } from "./support/databases.ts";
import { openDatabase } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";
import { appendMessage, appendMessages } from "../db/messages.ts";
import { makeConversation, makeEstablishment, makeUser } from "../db/factories.ts";
import type { Database } from "../db/types.ts";

/** Resolves once `n` backends wait for a lock (bounded). */
async function waitForLockWaiters(db: Database, n: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const [row] = await db.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
    );
    if ((row?.n ?? 0) >= n) return;
  }
  throw new Error(`fewer than ${n} statements ever waited for the conversation's lock`);
}

dbKindTest(
  "append race - statements on other connections that waited for the lock store one row per clientId, gapless",
  async () => {
    const url = await newPostgresDatabaseUrl();
    const handles: Database[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        handles.push(await openDatabase({ databaseUrl: url, dataDir: "memory://", poolSize: 2 }));
      }
      const [holder, ...senders] = handles as [Database, ...Database[]];
      await migrate(holder);
      const school = await makeEstablishment(holder);
      const teacher = await makeUser(holder, { establishmentId: school.id, role: "teacher" });
      const parent = await makeUser(holder, { establishmentId: school.id, role: "parent" });
      const { id: conversationId } = await makeConversation(holder, {
        establishmentId: school.id,
        members: [teacher.id, parent.id],
      });
      for (let round = 0; round < 3; round++) {
        const { promise: release, resolve } = Promise.withResolvers<void>();
        const { promise: locked, resolve: lockedNow } = Promise.withResolvers<void>();
        const held = holder.transaction(async (tx) => {
          await tx.query("select id from conversations where id = $1 for update", [conversationId]);
          lockedNow();
          await release;
        });
        await locked;
        // The same send three times (a retry on each instance) and a batch with another message.
        const same = {
          conversationId,
          senderId: parent.id,
          clientId: `retry-${round}`,
          body: `hello ${round}`,
        };
        const sends = [
          ...senders.map((db) => appendMessage(db, same)),
          appendMessages(senders[0]!, [{
            conversationId,
            senderId: teacher.id,
            clientId: `other-${round}`,
            body: "x",
          }]),
        ];
        await waitForLockWaiters(holder, senders.length);
        resolve();
        await held;
        const [a, b, c, batch] = await Promise.all(sends) as [
          Awaited<ReturnType<typeof appendMessage>>,
          Awaited<ReturnType<typeof appendMessage>>,
          Awaited<ReturnType<typeof appendMessage>>,
          Awaited<ReturnType<typeof appendMessages>>,
        ];
        assertEquals([a, b, c].filter((r) => r.created).length, 1, "one of the three stored it");
        assertEquals(
          new Set([a, b, c].map((r) => r.message.id)).size,
          1,
          "all three answer the same message",
        );
        assert(batch[0]?.ok, "the other message is stored too");
      }
      const [counts] = await holder.query<{ rows: number; last: number; top: number }>(
        `select (select count(*)::int from messages where conversation_id = $1) as rows,
           (select last_seq from conversations where id = $1) as last,
           (select max(seq) from messages where conversation_id = $1) as top`,
        [conversationId],
      );
      assertEquals(counts, { rows: 6, last: 6, top: 6 }, "two messages per round, seqs 1..6 without a gap");
    } finally {
      for (const db of handles) await db.close();
    }
  },
  { kinds: ["postgres"] },
);
