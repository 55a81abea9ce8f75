import { assert, assertEquals, assertMatch, assertRejects } from "./support/assert.ts";
import { dbKindTest, dbTest, freshDatabase, sharesPglite } from "./support/databases.ts";
import { DatabaseUsageError, sqlState } from "../db/errors.ts";
import type { Database } from "../db/types.ts";

// dbTest shares a PGlite in this module: no sanitizer for its other tests either.
sharesPglite();

/** A table of its own for this test (the shared database is shared by the whole module). */
async function scratchTable(db: Database, columns = "id int primary key, note text"): Promise<string> {
  const name = `scratch_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await db.query(`create table ${name} (${columns})`);
  return name;
}

dbTest("types - columns read back as the same JavaScript types on both adapters", async (db) => {
  const [row] = await db.query(`
    select 42::int2 as small, 42::int4 as int, 9007199254740991::int8 as big, count(*) as counted,
           1.5::float8 as float, 1.50::numeric(4,2) as exact, true as yes, null::text as nothing,
           'text'::text as text, '00000000-0000-4000-8000-000000000001'::uuid as id,
           '2024-05-06T07:08:09.123Z'::timestamptz as at, '2024-05-06'::date as day,
           '{"a":[1,"two",null],"b":{"c":true}}'::jsonb as doc, '[1,2]'::json as list,
           array[1,2,3]::int4[] as ints, array[1,2]::int8[] as bigs, array['a','b c']::text[] as texts,
           '\\x00ff10'::bytea as bytes, 9007199254740993::int8 as huge
      from (values (1), (2)) as t(x)`);
  assertEquals(row, {
    small: 42,
    int: 42,
    big: 9007199254740991,
    counted: 2,
    float: 1.5,
    exact: "1.50",
    yes: true,
    nothing: null,
    text: "text",
    id: "00000000-0000-4000-8000-000000000001",
    at: new Date("2024-05-06T07:08:09.123Z"),
    day: new Date("2024-05-06T00:00:00.000Z"),
    doc: { a: [1, "two", null], b: { c: true } },
    list: [1, 2],
    ints: [1, 2, 3],
    bigs: [1, 2],
    texts: ["a", "b c"],
    bytes: new Uint8Array([0, 255, 16]),
    // Beyond 2^53 a number would silently change the value, so it stays exact as a bigint.
    huge: 9007199254740993n,
  });
  assertEquals(Object.getPrototypeOf(row!.bytes), Uint8Array.prototype, "a plain Uint8Array, not a Buffer");
});

dbTest("types - parameters are sent the same way on both adapters", async (db) => {
  const at = new Date("2023-01-02T03:04:05.678Z");
  const [row] = await db.query(
    `select $1::timestamptz as at, $2::jsonb as doc, $3::jsonb as text_doc, $4::int8 as big,
            $5::text as missing, $6::bool as flag, $7::bytea as bytes, $8::int8 as from_bigint,
            $9::text[] as texts`,
    [at, { k: [1, "x"] }, '{"already":"json"}', 12, undefined, false, new Uint8Array([1, 2]), 5n, ["a", "b"]],
  );
  assertEquals(row, {
    at,
    doc: { k: [1, "x"] },
    text_doc: { already: "json" },
    big: 12,
    missing: null,
    flag: false,
    bytes: new Uint8Array([1, 2]),
    from_bigint: 5,
    texts: ["a", "b"],
  });
});

dbTest(
  "query - several statements without parameters run together and return the last one's rows",
  async (db) => {
    const table = await scratchTable(db);
    const rows = await db.query(
      `insert into ${table} values (1, 'a'); insert into ${table} values (2, 'b'); select count(*) as n from ${table}`,
    );
    assertEquals(rows, [{ n: 2 }]);
    assertEquals(await db.query(`delete from ${table}`), []);
  },
);

dbTest("query - server errors keep their SQLSTATE", async (db) => {
  const table = await scratchTable(db);
  await db.query(`insert into ${table} values (1, 'a')`);
  const error = await assertRejects(() => db.query(`insert into ${table} values ($1, $2)`, [1, "again"]));
  assertEquals(sqlState(error), "23505");
});

dbTest("transaction - commits and returns what the callback returns", async (db) => {
  const table = await scratchTable(db);
  const result = await db.transaction(async (tx) => {
    await tx.query(`insert into ${table} values (1, 'one')`);
    return (await tx.query<{ n: number }>(`select count(*) as n from ${table}`))[0]!.n;
  });
  assertEquals(result, 1);
  assertEquals(await db.query(`select note from ${table}`), [{ note: "one" }]);
});

dbTest("transaction - a throw rolls back every statement and rethrows the same error", async (db) => {
  const table = await scratchTable(db);
  const thrown = new Error("changed my mind");
  const error = await assertRejects(() =>
    db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values (1, 'one')`);
      await tx.query(`insert into ${table} values ($1, $2)`, [2, "two"]);
      throw thrown;
    })
  );
  assert(error === thrown, "the callback's own error comes out");
  assertEquals(await db.query(`select * from ${table}`), []);
});

dbTest("transaction - a failing statement rolls back the earlier ones", async (db) => {
  const table = await scratchTable(db);
  const error = await assertRejects(() =>
    db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values (1, 'one')`);
      await tx.query(`insert into ${table} values (1, 'duplicate')`);
    })
  );
  assertEquals(sqlState(error), "23505");
  assertEquals(await db.query(`select * from ${table}`), []);
});

dbTest(
  "transaction - a query issued meanwhile waits for the transaction instead of joining it",
  async (db) => {
    const table = await scratchTable(db);
    let releaseTransaction!: () => void;
    const gate = new Promise<void>((resolve) => releaseTransaction = resolve);
    let insideStarted!: () => void;
    const started = new Promise<void>((resolve) => insideStarted = resolve);
    const transaction = db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values (1, 'inside')`);
      insideStarted();
      await gate;
      throw new Error("roll back");
    });
    await started;
    const outside = db.query<{ n: number }>(`select count(*) as n from ${table}`);
    releaseTransaction();
    await assertRejects(() => transaction);
    // Had the query run inside the open transaction (one connection), it would have counted the row.
    assertEquals(await outside, [{ n: 0 }]);
  },
  { kinds: ["pglite"] },
);

dbTest(
  "pglite - using db instead of tx inside a transaction throws instead of waiting forever",
  async (db) => {
    const error = await assertRejects(
      () => db.transaction(() => db.query("select 1")),
      DatabaseUsageError,
    );
    assertMatch(error.message, /use the `tx` passed to the callback/);
    const nested = await assertRejects(() => db.transaction(() => db.transaction(() => Promise.resolve())));
    assert(nested instanceof DatabaseUsageError);
    assertEquals(await db.query("select 1 as ok"), [{ ok: 1 }], "the database is still usable");
  },
  { kinds: ["pglite"] },
);

dbKindTest("close - lets running queries finish, then refuses new ones", async (kind) => {
  const db = await freshDatabase(kind);
  const running = db.query<{ done: boolean }>("select true as done from pg_sleep(0.2)");
  await db.close();
  assertEquals(await running, [{ done: true }]);
  await assertRejects(() => db.query("select 1"), DatabaseUsageError);
  await db.close(); // idempotent
});
