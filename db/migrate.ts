/**
 * Schema migrations: plain SQL files named `NNNN_name.sql` (e.g. `0001_schema.sql`) in `db/migrations`,
 * applied in order, each in its own transaction, and recorded in `schema_migrations` with a checksum.
 *
 * Every step holds a transaction-level advisory lock, so several instances starting together apply each
 * file exactly once: the second waits, then sees the file recorded and skips it. A file is never
 * edited after it was applied (the checksum check refuses to start); changes go in a new file.
 * Files must not contain their own BEGIN/COMMIT: the runner wraps each one.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database, Queryable } from "./types.ts";

/** The default folder: `db/migrations` beside this file. */
export const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

/** Arbitrary but fixed key of the advisory lock that serialises migrations ("preau" in ASCII). */
const LOCK_KEY = 0x7072656175;

/** A migration could not be applied, or the recorded history does not match the files. */
export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MigrationError";
  }
}

/** One migration file. */
export interface MigrationFile {
  /** The `NNNN` prefix, e.g. `"0001"`. */
  version: string;
  /** The file name, e.g. `"0001_schema.sql"`. */
  name: string;
  sql: string;
  /** SHA-256 (hex) of the SQL with line endings normalised to `\n`. */
  checksum: string;
}

/** Options for {@linkcode migrate}. */
export interface MigrateOptions {
  /** Folder holding the `NNNN_name.sql` files (path or file URL). Default: {@linkcode MIGRATIONS_DIR}. */
  dir?: string | URL;
}

/** Applies every migration not applied yet; returns the file names applied by this call, in order. */
export async function migrate(db: Database, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const files = await readMigrations(opts.dir ?? MIGRATIONS_DIR);
  const recorded = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.query(
      `create table if not exists schema_migrations (
         version text primary key,
         name text not null,
         checksum text not null,
         applied_at timestamptz not null default now()
       )`,
    );
    return await appliedMigrations(tx);
  });
  const applied: string[] = [];
  for (const file of files) {
    if (recorded.has(file.version)) {
      checkUnchanged(file, recorded.get(file.version)!);
      continue;
    }
    const didApply = await db.transaction(async (tx) => {
      // A migration (an index on a large table) may outlast the adapter's per-statement timeout.
      await tx.query("set local statement_timeout = 0");
      await lock(tx);
      // Another instance may have applied it while we waited for the lock.
      const [row] = await tx.query<Recorded>(
        "select name, checksum from schema_migrations where version = $1",
        [file.version],
      );
      if (row) {
        checkUnchanged(file, row);
        return false;
      }
      try {
        await tx.query(file.sql);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new MigrationError(
          `migration ${file.name} failed: ${reason}. Nothing of ${file.name} was applied; fix the file and run again`,
          { cause: error },
        );
      }
      await tx.query(
        "insert into schema_migrations (version, name, checksum) values ($1, $2, $3)",
        [file.version, file.name, file.checksum],
      );
      return true;
    });
    if (didApply) applied.push(file.name);
  }
  return { applied };
}

/** Reads and validates the migration files of `dir`, sorted by version. */
export async function readMigrations(dir: string | URL): Promise<MigrationFile[]> {
  const folder = dir instanceof URL ? fileURLToPath(dir) : resolve(dir);
  const files: MigrationFile[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new MigrationError(`migrations folder ${folder} does not exist; create it or pass the right dir`);
    }
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const match = /^(\d{4})_[\w-]+\.sql$/.exec(entry.name);
    if (!match) {
      throw new MigrationError(
        `migration file ${entry.name} in ${folder} is misnamed; rename it like 0001_create_users.sql ` +
          "(four digits, an underscore, then letters, digits, _ or -)",
      );
    }
    const sql = await Deno.readTextFile(join(folder, entry.name));
    files.push({
      version: match[1]!,
      name: entry.name,
      sql,
      checksum: await sha256(sql.replaceAll("\r\n", "\n")),
    });
  }
  files.sort((a, b) => a.version.localeCompare(b.version));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) {
      throw new MigrationError(
        `migrations ${files[i - 1]!.name} and ${files[i]!.name} share version ${
          files[i]!.version
        }; renumber one`,
      );
    }
  }
  return files;
}

interface Recorded {
  name: string;
  checksum: string;
}

async function appliedMigrations(tx: Queryable): Promise<Map<string, Recorded>> {
  const rows = await tx.query<Recorded & { version: string }>(
    "select version, name, checksum from schema_migrations",
  );
  return new Map(rows.map((r) => [r.version, r]));
}

function checkUnchanged(file: MigrationFile, recorded: Recorded): void {
  if (recorded.checksum === file.checksum) return;
  throw new MigrationError(
    `migration ${file.name} was changed after it was applied (as ${recorded.name}); ` +
      "restore the applied version and put the change in a new migration file",
  );
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query("select pg_advisory_xact_lock($1)", [LOCK_KEY]);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
