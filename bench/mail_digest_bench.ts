/**
 * One digest pass over 10,000 people with unread messages (goal: under 30 s on this machine), on the
 * embedded PGlite. Also prints the statements per batch, which must stay a handful whatever the batch
 * size (never one per person).
 */
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { migrate } from "../db/migrate.ts";
import { clearDigests, makeEstablishment, makeUnreadParents, makeUser } from "../db/factories.ts";
import type { Database, Queryable } from "../db/types.ts";
import { runDigestPass } from "../domain/mail/digest_pass.ts";

const PEOPLE = 10_000;
const db = await createPGliteDatabase("memory://");
await migrate(db);
const school = await makeEstablishment(db);
const teacher = await makeUser(db, { establishmentId: school.id, role: "teacher" });
await makeUnreadParents(db, {
  establishmentId: school.id,
  senderId: teacher.id,
  count: PEOPLE,
  ageMs: 3_600_000,
});

let statements = 0;
const counting: Database = {
  ...db,
  transaction: (fn) =>
    db.transaction((tx) => {
      const counted: Queryable = { query: (sql, params) => (statements++, tx.query(sql, params)) };
      return fn(counted);
    }),
};

Deno.bench({
  name: `digest pass over ${PEOPLE} people with unread messages`,
  n: 2,
  warmup: 0,
  async fn(b) {
    await clearDigests(db);
    statements = 0;
    b.start();
    const result = await runDigestPass(counting, {
      now: new Date(),
      delayMs: 600_000,
      baseUrl: "https://preau.example",
      fromAddress: "no-reply@preau.example",
      secret: "bench-secret-of-at-least-thirty-two-chars",
    });
    b.end();
    if (result.enqueued !== PEOPLE) throw new Error(`expected ${PEOPLE} digests, got ${result.enqueued}`);
    console.log(
      `  ${result.enqueued} digests in ${result.batches} batches, ${
        (statements / result.batches).toFixed(1)
      } statements per batch`,
    );
  },
});

globalThis.addEventListener("unload", () => void db.close());
