/**
 * Databases for tests, on both backends. `dbTest` registers a test twice, `[pglite]` and `[postgres]`,
 * each given a shared database already migrated with the real `db/migrations`.
 *
 * Sharing: `deno test` runs every test module in its own isolate, so "shared" means one in-memory
 * PGlite and one fresh PostgreSQL database (`preau_test_<random>` on `PREAU_TEST_PG_URL`) per test
 * module, created on first use. Tests must therefore not assume an empty database: create your own rows
 * with unique names. When the module's last `dbTest` finishes, both are closed (and the Postgres one
 * dropped); `scripts/test.ts` removing the whole cluster is the real cleanup.
 *
 * Postgres tests need `PREAU_TEST_PG_URL` (set by `deno task test`). Without it they are ignored, or,
 * when `CI` is set, they fail: CI must never silently skip a backend.
 */
import type { Database } from "../../db/types.ts";
import { createPGliteDatabase } from "../../db/pglite_adapter.ts";
import { createPostgresDatabase } from "../../db/postgres_adapter.ts";
import { openDatabase } from "../../db/open.ts";
import { migrate, MIGRATIONS_DIR } from "../../db/migrate.ts";

export type DatabaseKind = "pglite" | "postgres";

/** Both backends, in the order tests are registered. */
export const DATABASE_KINDS: readonly DatabaseKind[] = ["pglite", "postgres"];

/** Options for {@linkcode dbTest} and {@linkcode dbKindTest}. */
export interface DbTestOptions {
  /** Backends to register the test for. Default: both. */
  kinds?: readonly DatabaseKind[];
  ignore?: boolean;
  only?: boolean;
}

/** Superuser URL of the test PostgreSQL server (`PREAU_TEST_PG_URL`), if any. */
export function testPostgresUrl(): string | undefined {
  return Deno.env.get("PREAU_TEST_PG_URL") || undefined;
}

/** Registers `"<name> [pglite]"` and `"<name> [postgres]"`, each run with the shared migrated database. */
export function dbTest(name: string, fn: (db: Database) => Promise<void>, opts: DbTestOptions = {}): void {
  for (const kind of opts.kinds ?? DATABASE_KINDS) {
    const ignore = opts.ignore || postgresIgnored(kind);
    if (!ignore) shared[kind].users++;
    Deno.test({
      name: `${name} [${kind}]`,
      ignore,
      only: opts.only,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        try {
          await fn(await sharedDatabase(kind));
        } finally {
          if (--shared[kind].users === 0) await releaseShared(kind);
        }
      },
    });
  }
}

/**
 * Registers `"<name> [pglite]"` and `"<name> [postgres]"` that receive only the kind, for tests that
 * make their own databases ({@linkcode freshDatabase}, {@linkcode newPostgresDatabaseUrl}).
 */
export function dbKindTest(
  name: string,
  fn: (kind: DatabaseKind) => Promise<void>,
  opts: DbTestOptions = {},
): void {
  for (const kind of opts.kinds ?? DATABASE_KINDS) {
    Deno.test({
      name: `${name} [${kind}]`,
      ignore: opts.ignore || postgresIgnored(kind),
      only: opts.only,
      sanitizeResources: false,
      sanitizeOps: false,
      fn: () => fn(kind),
    });
  }
}

/**
 * An empty, unmigrated database of `kind` (a new in-memory PGlite or a new Postgres database). Close
 * it when done; closing a Postgres one also drops its database.
 */
export async function freshDatabase(kind: DatabaseKind): Promise<Database> {
  if (kind === "pglite") return await createPGliteDatabase("memory://");
  const url = await newPostgresDatabaseUrl();
  const db = await openDatabase({ databaseUrl: url, dataDir: "memory://" });
  let closed: Promise<void> | undefined;
  return {
    ...db,
    close: () => closed ??= db.close().then(() => dropDatabase(new URL(url).pathname.slice(1))),
  };
}

/**
 * Creates an empty database on the test server and returns its URL (for tests that start real servers).
 * It is not dropped afterwards: removing the cluster at the end of `deno task test` does that.
 */
export async function newPostgresDatabaseUrl(): Promise<string> {
  const base = requirePostgresUrl();
  const name = `preau_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  admin ??= createPostgresDatabase(base, { poolSize: 2 });
  await admin.query(`create database ${name}`);
  return withDatabase(base, name);
}

/** The shared, migrated database of `kind` for this test module (created on first use). */
export function sharedDatabase(kind: DatabaseKind): Promise<Database> {
  const slot = shared[kind];
  slot.db ??= (async () => {
    const db = await freshDatabase(kind);
    try {
      // The folder is absent in a checkout with no migrations yet; an empty one migrates to nothing.
      await Deno.mkdir(MIGRATIONS_DIR, { recursive: true });
      await migrate(db);
      return db;
    } catch (error) {
      await db.close();
      throw error;
    }
  })();
  // A failed creation is not cached, so the next test gets its own attempt and its own error.
  slot.db.catch(() => slot.db = undefined);
  return slot.db;
}

interface Shared {
  db: Promise<Database> | undefined;
  /** Registered, not ignored tests still to finish in this module. */
  users: number;
}

const shared: Record<DatabaseKind, Shared> = {
  pglite: { db: undefined, users: 0 },
  postgres: { db: undefined, users: 0 },
};

/** Connection to the test server's `postgres` database, for CREATE/DROP DATABASE. */
let admin: Database | undefined;

/** Closes the shared database of `kind` (dropping the Postgres one), and the admin connection if idle. */
async function releaseShared(kind: DatabaseKind): Promise<void> {
  const slot = shared[kind];
  const pending = slot.db;
  slot.db = undefined;
  await (await pending?.catch(() => undefined))?.close();
  if (!shared.pglite.users && !shared.postgres.users && admin) {
    const closing = admin;
    admin = undefined;
    await closing.close();
  }
}

globalThis.addEventListener("unload", () => {
  // Best effort only: unload cannot wait. Sockets die with the isolate and the cluster is removed anyway.
  for (const slot of Object.values(shared)) void slot.db?.then((db) => db.close()).catch(() => {});
  void admin?.close().catch(() => {});
});

/** Drops a test database; best effort (a failure only leaves it for the cluster removal). */
async function dropDatabase(name: string): Promise<void> {
  admin ??= createPostgresDatabase(requirePostgresUrl(), { poolSize: 2 });
  await admin.query(`drop database if exists ${name} with (force)`).catch((error) => {
    console.warn(`could not drop test database ${name}:`, error);
  });
}

/** Whether the `[postgres]` variant is skipped: only when there is no server and we are not on CI. */
function postgresIgnored(kind: DatabaseKind): boolean {
  return kind === "postgres" && testPostgresUrl() === undefined && !Deno.env.get("CI");
}

/** `PREAU_TEST_PG_URL`, or an error saying how to get a test server. */
export function requirePostgresUrl(): string {
  const url = testPostgresUrl();
  if (url) return url;
  throw new Error(
    "PREAU_TEST_PG_URL is not set, so there is no PostgreSQL server to test against. Run the tests with " +
      "`deno task test` (it starts a throwaway cluster), or set PREAU_TEST_PG_URL to a superuser URL.",
  );
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.href;
}
