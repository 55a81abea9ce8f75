import { assert, assertEquals, assertMatch, assertRejects, assertStringIncludes } from "./support/assert.ts";
import {
  newPostgresDatabaseUrl,
  requirePostgresUrl,
  sanitized,
  testPostgresUrl,
} from "./support/databases.ts";
import { openDatabase } from "../db/open.ts";
import { DatabaseConnectionError } from "../db/errors.ts";

const postgresIgnored = !testPostgresUrl() && !Deno.env.get("CI");

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("openDatabase - an unreachable DATABASE_URL fails at open, naming host:port and what to check", async () => {
  const port = closedPort();
  const started = performance.now();
  const error = await assertRejects(
    () => openDatabase({ databaseUrl: `postgres://preau:secret@127.0.0.1:${port}/preau`, dataDir: "unused" }),
    DatabaseConnectionError,
  );
  assertMatch(error.message, new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: .+`));
  assertStringIncludes(error.message, "Check DATABASE_URL and that the server accepts connections");
  assert(!error.message.includes("secret"), "the password never appears in messages");
  assert(performance.now() - started < 5_000, "a refused connection fails fast, without retrying for long");
});

Deno.test("openDatabase - an aborted signal gives up opening", async () => {
  const controller = new AbortController();
  controller.abort(new Error("shutting down"));
  const error = await assertRejects(() => openDatabase({ dataDir: "memory://", signal: controller.signal }));
  assertEquals(error.message, "shutting down");
});

Deno.test({
  name: "openDatabase - an unknown database on a reachable server fails with the server's reason",
  ignore: postgresIgnored,
  ...sanitized(),
  async fn() {
    const url = new URL(requirePostgresUrl());
    url.pathname = "/preau_no_such_database";
    const error = await assertRejects(() => openDatabase({ databaseUrl: url.href, dataDir: "unused" }));
    assert(error instanceof DatabaseConnectionError);
    assertMatch(error.message, /at 127\.0\.0\.1:\d+: .*"preau_no_such_database" does not exist/);
  },
});

Deno.test({
  name: "openDatabase - with a DATABASE_URL it is PostgreSQL",
  ignore: postgresIgnored,
  ...sanitized(),
  async fn() {
    const db = await openDatabase({ databaseUrl: await newPostgresDatabaseUrl(), dataDir: "unused" });
    try {
      assertEquals(db.kind, "postgres");
      assertEquals(await db.query("select current_setting('server_version_num')::int >= 130000 as modern"), [
        { modern: true },
      ]);
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name: "openDatabase - without a URL it is PGlite in a created data directory that keeps its data",
  ...sanitized(),
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "preau-pglite-" });
    const dataDir = `${root}/nested/data`;
    try {
      const first = await openDatabase({ dataDir });
      assertEquals(first.kind, "pglite");
      await first.query("create table kept (note text); insert into kept values ('still here')");
      await first.close();
      assert((await Deno.stat(`${dataDir}/PG_VERSION`)).isFile, "the cluster lives in the data directory");

      const second = await openDatabase({ dataDir });
      try {
        assertEquals(await second.query("select note from kept"), [{ note: "still here" }]);
      } finally {
        await second.close();
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
