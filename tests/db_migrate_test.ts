import { assert, assertEquals, assertMatch, assertRejects } from "./support/assert.ts";
import { type DatabaseKind, dbKindTest, freshDatabase } from "./support/databases.ts";
import { createPostgresDatabase } from "../db/postgres_adapter.ts";
import { migrate, MigrationError } from "../db/migrate.ts";
import type { Database } from "../db/types.ts";

/** Runs `fn` with a temporary migrations folder holding `files` and an empty database of `kind`. */
async function withMigrations(
  kind: DatabaseKind,
  files: Record<string, string>,
  fn: (db: Database, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "preau-migrations-" });
  try {
    for (const [name, sql] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${name}`, sql);
    const db = await freshDatabase(kind);
    try {
      await fn(db, dir);
    } finally {
      await db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  const [row] = await db.query<{ found: boolean }>("select to_regclass($1) is not null as found", [name]);
  return row!.found;
}

const FILES = {
  "0002_posts.sql": `
    create table posts (id bigint primary key, author bigint not null references authors(id));
    -- a function body full of semicolons: the file must go to the server whole
    create function post_count() returns bigint language plpgsql as $$
      begin
        return (select count(*) from posts);
      end;
    $$;`,
  "0001_authors.sql": "create table authors (id bigint primary key, name text not null);",
  "0010_index.sql": "create index posts_author on posts (author);",
};

dbKindTest("migrate - applies files in version order and records each one", async (kind) => {
  await withMigrations(kind, FILES, async (db, dir) => {
    const { applied } = await migrate(db, { dir });
    assertEquals(applied, ["0001_authors.sql", "0002_posts.sql", "0010_index.sql"]);
    const rows = await db.query<{ version: string; name: string; checksum: string; applied_at: Date }>(
      "select version, name, checksum, applied_at from schema_migrations order by version",
    );
    assertEquals(rows.map((r) => [r.version, r.name]), [
      ["0001", "0001_authors.sql"],
      ["0002", "0002_posts.sql"],
      ["0010", "0010_index.sql"],
    ]);
    for (const row of rows) {
      assertMatch(row.checksum, /^[0-9a-f]{64}$/);
      assert(row.applied_at instanceof Date);
    }
    await db.query("insert into authors values (1, 'Ada')");
    await db.query("insert into posts values (1, 1), (2, 1)");
    assertEquals(await db.query("select post_count() as n"), [{ n: 2 }]);
  });
});

dbKindTest("migrate - running twice applies nothing new, then only the added file", async (kind) => {
  await withMigrations(kind, FILES, async (db, dir) => {
    await migrate(db, { dir });
    assertEquals(await migrate(db, { dir }), { applied: [] });
    await Deno.writeTextFile(`${dir}/0011_tags.sql`, "create table tags (name text primary key);");
    assertEquals(await migrate(db, { dir }), { applied: ["0011_tags.sql"] });
    assert(await tableExists(db, "tags"));
  });
});

dbKindTest("migrate - a file changed after it was applied is refused", async (kind) => {
  await withMigrations(kind, { "0001_authors.sql": FILES["0001_authors.sql"] }, async (db, dir) => {
    await migrate(db, { dir });
    // Line-ending changes (a Windows checkout) are not changes.
    await Deno.writeTextFile(`${dir}/0001_authors.sql`, FILES["0001_authors.sql"].replaceAll("\n", "\r\n"));
    assertEquals(await migrate(db, { dir }), { applied: [] });
    await Deno.writeTextFile(`${dir}/0001_authors.sql`, "create table authors (id bigint primary key);");
    const error = await assertRejects(() => migrate(db, { dir }), MigrationError);
    assertMatch(error.message, /0001_authors\.sql was changed after it was applied/);
    assertMatch(error.message, /new migration file/);
  });
});

dbKindTest(
  "migrate - a failing migration names the file and the server's message, and applies none of it",
  async (kind) => {
    await withMigrations(kind, {
      "0001_authors.sql": FILES["0001_authors.sql"],
      "0002_broken.sql": "create table half_done (id int);\nselect no_such_column from half_done;",
    }, async (db, dir) => {
      const error = await assertRejects(() => migrate(db, { dir }), MigrationError);
      assertMatch(error.message, /migration 0002_broken\.sql failed: column "no_such_column" does not exist/);
      assert(await tableExists(db, "authors"), "the earlier migration stays applied");
      assert(!await tableExists(db, "half_done"), "nothing of the failing file may remain");
      assertEquals(await db.query("select version from schema_migrations"), [{ version: "0001" }]);

      await Deno.writeTextFile(`${dir}/0002_broken.sql`, "create table half_done (id int);");
      assertEquals(await migrate(db, { dir }), { applied: ["0002_broken.sql"] });
    });
  },
);

dbKindTest("migrate - two instances migrating at once apply every file exactly once", async (kind) => {
  // Plain CREATE TABLE fails if run twice; the sleep widens the window in which the two could race.
  await withMigrations(kind, {
    "0001_slow.sql": "select pg_sleep(0.2); create table once_a (id int);",
    "0002_b.sql": "create table once_b (id int);",
    "0003_c.sql": "create table once_c (id int);",
  }, async (first, dir) => {
    // On Postgres the second instance gets its own connection pool to the same database.
    const url = kind === "postgres" ? await currentUrl(first) : undefined;
    const second = url ? createPostgresDatabase(url) : first;
    try {
      const results = await Promise.all([migrate(first, { dir }), migrate(second, { dir })]);
      const all = results.flatMap((r) => r.applied).sort();
      assertEquals(all, ["0001_slow.sql", "0002_b.sql", "0003_c.sql"]);
      assertEquals((await first.query("select count(*) as n from schema_migrations"))[0], { n: 3 });
    } finally {
      if (second !== first) await second.close();
    }
  });
});

dbKindTest("migrate - an empty folder applies nothing and still creates the history table", async (kind) => {
  await withMigrations(kind, { "README.md": "not a migration" }, async (db, dir) => {
    assertEquals(await migrate(db, { dir }), { applied: [] });
    assert(await tableExists(db, "schema_migrations"));
  });
});

/** The URL of the database `db` is connected to, on the test server. */
async function currentUrl(db: Database): Promise<string> {
  const [row] = await db.query<{ name: string }>("select current_database() as name");
  const url = new URL(Deno.env.get("PREAU_TEST_PG_URL")!);
  url.pathname = `/${row!.name}`;
  return url.href;
}
