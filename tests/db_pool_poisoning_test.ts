/**
 * A pool connection cut while queries are on it fails those queries and nothing else: the pool
 * reconnects at once rather than after `connect_timeout`, no query is left hanging, and no query is
 * answered with another's result (the postgres.js 3.4.9 defects worked around in
 * `db/postgres_js_fixes.ts`). A loopback proxy between the pool and a PostgreSQL server of the
 * test's own cuts the connection right after forwarding a ReadyForQuery, the moment postgres.js
 * writes the next query. Without the workarounds the first round already fails: a query waits
 * the 15 s query timeout, and later ones `CONNECT_TIMEOUT`.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { startPostgresCluster } from "./support/postgres_cluster.ts";
import { postgresOnly } from "./support/realtime_fixtures.ts";
import { createPostgresDatabase } from "../db/postgres_adapter.ts";
import { DatabaseConnectionError, isConnectionFailure } from "../db/errors.ts";

const CONNECT_TIMEOUT_S = 3;
const ROUNDS = 8;
const QUERIES_PER_ROUND = 5;

/** A TCP proxy to `port` on loopback that can cut a connection after the next ReadyForQuery. */
function cuttingProxy(port: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const pumps: Promise<void>[] = [];
  const open = new Set<Deno.Conn>();
  let armed = false;
  let cuts = 0;
  const startups: number[] = [];
  const closeBoth = (a: Deno.Conn, b: Deno.Conn) => {
    for (const c of [a, b]) {
      if (open.delete(c)) c.close();
    }
  };
  /** Whether `chunk` ends with a whole ReadyForQuery message ('Z', length 5, status byte). */
  const endsWithReady = (chunk: Uint8Array) => {
    const n = chunk.length;
    return n >= 6 && chunk[n - 6] === 0x5a && chunk[n - 5] === 0 && chunk[n - 4] === 0 &&
      chunk[n - 3] === 0 && chunk[n - 2] === 5;
  };
  const pump = async (from: Deno.Conn, to: Deno.Conn, fromServer: boolean) => {
    const buffer = new Uint8Array(64 * 1024);
    let first = !fromServer;
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        const chunk = buffer.subarray(0, n);
        if (first) startups.push(n);
        first = false;
        for (let written = 0; written < n;) written += await to.write(chunk.subarray(written));
        if (fromServer && armed && endsWithReady(chunk)) {
          armed = false;
          cuts++;
          break;
        }
      }
    } catch {
      // The other direction closed both ends.
    } finally {
      closeBoth(from, to);
    }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: "127.0.0.1", port });
      open.add(client).add(server);
      pumps.push(pump(client, server, false), pump(server, client, true));
    }
  })();
  return {
    url: (base: string) => {
      const url = new URL(base);
      url.port = String((listener.addr as Deno.NetAddr).port);
      return url.href;
    },
    arm: () => armed = true,
    /** The size of the first read from each client: its startup packet. */
    startups,
    get cuts() {
      return cuts;
    },
    async close() {
      listener.close();
      await accepting.catch(() => {});
      for (const c of open) c.close();
      open.clear();
      await Promise.all(pumps);
    },
  };
}

Deno.test({
  name:
    "postgres pool - a connection cut while queries are written fails only those queries: the pool reconnects within a second and every answer is its own query's [postgres]",
  ...postgresOnly,
  async fn() {
    const cluster = await startPostgresCluster();
    const proxy = cuttingProxy(Number(new URL(cluster.url).port));
    const db = createPostgresDatabase(proxy.url(cluster.url), {
      poolSize: 1,
      connectTimeoutSeconds: CONNECT_TIMEOUT_S,
      maxReconnectDelayMs: 100,
      name: "poisoning test",
    });
    const slowest: number[] = [];
    /** Runs query `n`, checking its answer; resolves whether it succeeded (it may fail on a cut). */
    const run = async (n: number): Promise<boolean> => {
      const started = performance.now();
      try {
        const rows = await db.query<{ n: number }>("select $1::int as n", [n]);
        assertEquals(rows, [{ n }], `query ${n} was answered with another statement's rows`);
        return true;
      } catch (error) {
        if (!isConnectionFailure(error) && !(error instanceof DatabaseConnectionError)) throw error;
        return false;
      } finally {
        slowest.push(performance.now() - started);
      }
    };
    try {
      assertEquals(await db.query("select 1 as one"), [{ one: 1 }]);
      for (let round = 0; round < ROUNDS; round++) {
        // Concurrent callers: the pool pipelines them on its one connection when it is cut.
        proxy.arm();
        await Promise.all(Array.from({ length: QUERIES_PER_ROUND }, (_, i) => run(round * 100 + i)));
        // One caller after another: the next query is written the moment the last one is answered.
        proxy.arm();
        let lastOk = false;
        for (let i = 0; i < QUERIES_PER_ROUND; i++) lastOk = await run(round * 100 + 50 + i);
        assert(lastOk, `round ${round}: the pool still failed queries after the cut`);
      }
      assertEquals(proxy.cuts, 2 * ROUNDS, "every phase cut a connection");
      const worst = Math.round(Math.max(...slowest));
      assert(worst < 1_000, `the slowest query took ${worst} ms; a wedged slot waits ${CONNECT_TIMEOUT_S} s`);
      assert(
        proxy.startups.every((bytes) => bytes >= 1_024),
        `every startup packet is padded past postgres.js's write batching: ${
          proxy.startups.join(", ")
        } bytes`,
      );
    } finally {
      await db.close();
      await proxy.close();
      await cluster.stop();
    }
  },
});

Deno.test({
  name:
    "postgres pool - after pg_terminate_backend of a connection running a query, the next query on that slot succeeds instead of failing with the old 57P01 [postgres]",
  ...postgresOnly,
  async fn() {
    const cluster = await startPostgresCluster();
    const db = createPostgresDatabase(cluster.url, {
      poolSize: 1,
      maxReconnectDelayMs: 100,
      name: "stale error test",
    });
    const admin = createPostgresDatabase(cluster.url, { poolSize: 1, name: "admin" });
    try {
      for (let round = 0; round < 3; round++) {
        const [{ pid }] = await db.query<{ pid: number }>("select pg_backend_pid() as pid") as [
          { pid: number },
        ];
        const running = db.query("select pg_sleep(30)").then(() => "answered", (error) => error);
        // The sleep has begun once the backend shows it.
        for (let i = 0;; i++) {
          assert(i < 200, "the sleeping query never showed in pg_stat_activity");
          const [row] = await admin.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where pid = $1 and query like 'select pg_sleep%'",
            [pid],
          );
          if (row?.n === 1) break;
        }
        await admin.query("select pg_terminate_backend($1)", [pid]);
        const outcome = await running;
        assert(
          isConnectionFailure(outcome) || outcome instanceof DatabaseConnectionError,
          `the terminated query: ${outcome}`,
        );
        assertEquals(
          await db.query("select $1::int as n", [round]),
          [{ n: round }],
          `round ${round}: the next query`,
        );
      }
    } finally {
      await db.close();
      await admin.close();
      await cluster.stop();
    }
  },
});
