/** Whether the schema is current, for readiness probes. */
import { type MigrationFile, MIGRATIONS_DIR, readMigrations } from "./migrate.ts";
import type { Queryable } from "./types.ts";

let files: Promise<MigrationFile[]> | undefined;

/**
 * The migration files not yet recorded as applied. Reads the files once per process: they cannot
 * change under a running server.
 */
export async function pendingMigrations(db: Queryable): Promise<string[]> {
  const all = await (files ??= readMigrations(MIGRATIONS_DIR));
  const [table] = await db.query<{ present: boolean }>(
    "select to_regclass('schema_migrations') is not null as present",
  );
  if (!table?.present) return all.map((f) => f.name);
  const rows = await db.query<{ version: string }>("select version from schema_migrations");
  const applied = new Set(rows.map((r) => r.version));
  return all.filter((f) => !applied.has(f.version)).map((f) => f.name);
}
