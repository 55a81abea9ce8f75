/**
 * The write path alone, no receivers: how many messages per second `sendMessage` stores on a real
 * PostgreSQL (a throwaway cluster from tests/support/postgres_cluster.ts: fsync and synchronous
 * commit off, as in the tests), through the domain (permission check, validation, append, event).
 *
 * Two scenarios, closed loop (each sender keeps `PIPELINE` sends outstanding, as a pipelining
 * socket does), for `SECONDS` each after a short warm-up:
 * - across 100 conversations: 100 senders, each writing to its own two-person conversation;
 * - into one conversation: 100 senders in one conversation of 101 members.
 * "Stored" is counted in the database (`count(*)` of the scenario's messages), not from answers.
 *
 * Standalone: `npx -y deno@2.9.6 run -A bench/write_path_bench.ts` (env: WRITE_BENCH_SECONDS,
 * default 5; WRITE_BENCH_PIPELINE, default 4; WRITE_BENCH_POOL, connections, default 10). Prints one
 * line per scenario and a JSON summary last. The machine is shared: run it twice, read the spread.
 */
import { createPostgresDatabase } from "../db/postgres_adapter.ts";
import { migrate } from "../db/migrate.ts";
import { makeConversation, makeEstablishment, makeUser } from "../db/factories.ts";
import type { Database } from "../db/types.ts";
import { EventHub } from "../domain/events.ts";
import { createMessaging, type Messaging } from "../domain/messaging.ts";
import { isAppError } from "../domain/errors.ts";
import { startPostgresCluster } from "../tests/support/postgres_cluster.ts";

/** One scenario's outcome. */
export interface WritePathResult {
  scenario: string;
  senders: number;
  pipeline: number;
  seconds: number;
  stored: number;
  storedPerSecond: number;
  /** Sends answered `overloaded` (refused before storing; the sender would retry later). */
  overloaded: number;
  failed: number;
}

/** Unique across scenarios: a clientId is unique per sender across all conversations. */
let n = 0;

interface Sender {
  userId: string;
  conversationId: string;
}

/** Runs `senders` closed loops for `seconds`; counts what the database holds afterwards. */
async function drive(
  db: Database,
  messaging: Messaging,
  scenario: string,
  senders: Sender[],
  opts: { seconds: number; pipeline: number },
): Promise<WritePathResult> {
  const conversations = [...new Set(senders.map((s) => s.conversationId))];
  const countStored = async () =>
    (await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages WHERE conversation_id = ANY($1::uuid[])`,
      [conversations],
    ))[0]!.n;
  let overloaded = 0;
  let failed = 0;
  let stop = false;
  const loop = async (sender: Sender) => {
    while (!stop) {
      try {
        await messaging.sendMessage(sender.userId, {
          conversationId: sender.conversationId,
          clientId: `w-${++n}-${sender.userId.slice(0, 8)}`,
          body: `write path bench message ${n}`,
        });
      } catch (error) {
        if (isAppError(error, "overloaded")) {
          overloaded++;
          await new Promise((resolve) => setTimeout(resolve, 5));
        } else if (++failed <= 1) console.error(`${scenario}: a send failed:`, error);
      }
    }
  };
  // Warm-up: connections opened, statements prepared, caches hot.
  stop = false;
  const warm = senders.flatMap((s) => Array.from({ length: opts.pipeline }, () => loop(s)));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  stop = true;
  await Promise.all(warm);
  overloaded = 0;
  failed = 0;

  const before = await countStored();
  stop = false;
  const started = performance.now();
  const loops = senders.flatMap((s) => Array.from({ length: opts.pipeline }, () => loop(s)));
  await new Promise((resolve) => setTimeout(resolve, opts.seconds * 1000));
  stop = true;
  await Promise.all(loops);
  const elapsed = (performance.now() - started) / 1000;
  const stored = (await countStored()) - before;
  return {
    scenario,
    senders: senders.length,
    pipeline: opts.pipeline,
    seconds: Math.round(elapsed * 100) / 100,
    stored,
    storedPerSecond: Math.round(stored / elapsed),
    overloaded,
    failed,
  };
}

/** Sets up a fresh cluster and runs both scenarios. */
export async function runWritePathBench(
  opts: { seconds?: number; pipeline?: number; poolSize?: number } = {},
): Promise<WritePathResult[]> {
  const seconds = opts.seconds ?? 5;
  const pipeline = opts.pipeline ?? 4;
  const cluster = await startPostgresCluster();
  const db = createPostgresDatabase(cluster.url, { poolSize: opts.poolSize ?? 10 });
  try {
    await migrate(db);
    const messaging = createMessaging(db, new EventHub());
    const establishment = await makeEstablishment(db);
    const teachers = await Promise.all(
      Array.from({ length: 100 }, () => makeUser(db, { establishmentId: establishment.id, role: "teacher" })),
    );
    const parents = await Promise.all(
      Array.from({ length: 100 }, () => makeUser(db, { establishmentId: establishment.id, role: "parent" })),
    );
    const pairs: Sender[] = [];
    for (const [i, teacher] of teachers.entries()) {
      const chat = await makeConversation(db, {
        establishmentId: establishment.id,
        members: [teacher.id, parents[i]!.id],
      });
      pairs.push({ userId: teacher.id, conversationId: chat.id });
    }
    const room = await makeConversation(db, {
      establishmentId: establishment.id,
      members: [...teachers.map((t) => t.id), parents[0]!.id],
      title: "Write path bench room",
    });
    const results = [
      await drive(db, messaging, "100 conversations", pairs, { seconds, pipeline }),
      await drive(
        db,
        messaging,
        "1 conversation",
        teachers.map((t) => ({ userId: t.id, conversationId: room.id })),
        { seconds, pipeline },
      ),
    ];
    return results;
  } finally {
    await db.close();
    await cluster.stop();
  }
}

if (import.meta.main) {
  const env = (name: string, fallback: number) => Number(Deno.env.get(name) ?? fallback);
  const results = await runWritePathBench({
    seconds: env("WRITE_BENCH_SECONDS", 5),
    pipeline: env("WRITE_BENCH_PIPELINE", 4),
    poolSize: env("WRITE_BENCH_POOL", 10),
  });
  for (const r of results) {
    console.log(
      `${r.scenario.padEnd(18)} ${String(r.storedPerSecond).padStart(6)} stored msg/s ` +
        `(${r.stored} in ${r.seconds} s, ${r.senders} senders × ${r.pipeline} in flight, ` +
        `${r.overloaded} overloaded, ${r.failed} failed)`,
    );
  }
  console.log(JSON.stringify(results));
}
