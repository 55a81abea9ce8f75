import { assertEquals, assertMatch, assertRejects } from "../tests/support/assert.ts";
import { MigrationError, readMigrations } from "./migrate.ts";

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "preau-migrations-" });
  for (const [name, sql] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${name}`, sql);
  return dir;
}

Deno.test("readMigrations - sorts by version, ignores non-SQL files, checksums ignore CRLF", async () => {
  const dir = await folder({
    "0010_c.sql": "select 3;",
    "0002_b.sql": "select 2;\r\nselect 2;",
    "0001_a.sql": "select 1;",
    "notes.md": "ignored",
  });
  try {
    const files = await readMigrations(dir);
    assertEquals(files.map((f) => [f.version, f.name]), [["0001", "0001_a.sql"], ["0002", "0002_b.sql"], [
      "0010",
      "0010_c.sql",
    ]]);
    await Deno.writeTextFile(`${dir}/0002_b.sql`, "select 2;\nselect 2;");
    const again = await readMigrations(new URL(`file://${dir}/`));
    assertEquals(again[1]!.checksum, files[1]!.checksum);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readMigrations - a misnamed SQL file is refused with the expected pattern", async () => {
  const dir = await folder({ "1_schema.sql": "select 1;" });
  try {
    const error = await assertRejects(() => readMigrations(dir), MigrationError);
    assertMatch(error.message, /1_schema\.sql .* misnamed; rename it like 0001_create_users\.sql/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readMigrations - two files with one version are refused", async () => {
  const dir = await folder({ "0001_a.sql": "select 1;", "0001_b.sql": "select 2;" });
  try {
    const error = await assertRejects(() => readMigrations(dir), MigrationError);
    assertMatch(error.message, /0001_a\.sql and 0001_b\.sql share version 0001; renumber one/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readMigrations - a missing folder is a clear error", async () => {
  const error = await assertRejects(() => readMigrations("/nonexistent/preau/migrations"), MigrationError);
  assertMatch(error.message, /migrations folder \/nonexistent\/preau\/migrations does not exist/);
});
