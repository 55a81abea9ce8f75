/**
 * Databases for tests, on both backends. `dbTest` registers a test twice, `[pglite]` and `[postgres]`,
 * each given a shared database already migrated with the real `db/migrations`.
 *
 * Sharing: `deno test` runs every test module in its own isolate, so "shared" means one in-memory
 * PGlite and one fresh PostgreSQL database (`preau_test_<random>` on `PREAU_TEST_PG_URL`) per test
 * module. Tests must therefore not assume an empty database: create your own rows with unique names.
 *
 * Sanitizers (off by default since Deno 2.8): tests given {@linkcode sanitized} (`dbKindTest`, the
 * cluster tests of `realtime_fixtures.ts`, the database tests written with `Deno.test`) run with Deno's
 * op and resource sanitizers ON, so a test that leaves a timer, a socket, a server or a response body
 * behind fails. Shared handles are opened in `Deno.test.beforeAll` and closed in `Deno.test.afterAll`,
 * outside every test, since their libraries keep timers for as long as they are open (postgres.js
 * starts a lifetime timer per connection, so the admin pool is also filled up front). One exception,
 * explained at {@linkcode sharesPglite}: no sanitizer for `dbTest` nor for any test of a module that
 * uses it. `scripts/test.ts` removing the whole cluster is the real cleanup.
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
    if (!ignore) hookShared(kind);
    Deno.test({
      name: `${name} [${kind}]`,
      ignore,
      only: opts.only,
      // The shared PGlite's timer: see `sharesPglite`.
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => sharedDatabase(kind).then(fn),
    });
  }
}

/**
 * Call at the top of a module that mixes `dbTest` with other tests, before registering them: they get
 * no sanitizer either.
 *
 * Why no sanitizer can be on where a PGlite is shared: after a query, PGlite's PostgreSQL arms a 10 s
 * "idle stats update" timer (a WASM `setitimer`, i.e. a JavaScript timer) and cancels it lazily (it
 * ignores the alarm when it fires rather than clearing it), so that timer starts in one test and fires
 * in whichever test runs 10 s later, of either backend. Deno 2.9 counts a timer in both the op and the
 * resource sanitizer. Nothing in SQL disarms it (pending I/O statistics arm it after every query), and
 * a PGlite per test would cost its ~10 s start each time.
 */
export function sharesPglite(): void {
  sanitizersOn = false;
}

let sanitizersOn = true;

/**
 * The sanitizer options for a database test registered now: both on, unless the module called
 * {@linkcode sharesPglite}. Given per test, since Deno's module-wide `Deno.test.sanitizer` would
 * also override a test's own `false`.
 */
export function sanitized(): { sanitizeOps: boolean; sanitizeResources: boolean } {
  return { sanitizeOps: sanitizersOn, sanitizeResources: sanitizersOn };
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
    const ignore = opts.ignore || postgresIgnored(kind);
    Deno.test({
      name: `${name} [${kind}]`,
      ignore,
      only: opts.only,
      ...sanitized(),
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
  await (await adminDatabase()).query(`create database ${name}`);
  return withDatabase(base, name);
}

/**
 * The shared, migrated database of `kind` for this test module: opened by the `beforeAll` hook that
 * the first {@linkcode dbTest} of that kind registered, or here on first use when called otherwise.
 */
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

/**
 * Opens all `size` connections of a postgres.js pool now (it opens them lazily, one per query that
 * finds every open one busy), so none is opened, with its lifetime timer, inside a test.
 */
async function fillPool(db: Database, size: number): Promise<void> {
  await Promise.all(Array.from({ length: size }, () => db.query("select pg_sleep(0.05)")));
}

interface Shared {
  db: Promise<Database> | undefined;
  /** Whether this module's hooks open and close this kind's database. */
  hooked: boolean;
}

const shared: Record<DatabaseKind, Shared> = {
  pglite: { db: undefined, hooked: false },
  postgres: { db: undefined, hooked: false },
};

/** Connection to the test server's `postgres` database, for CREATE/DROP DATABASE. */
let admin: Promise<Database> | undefined;

/** The admin connection, opened (and its small pool filled) on first use. */
function adminDatabase(): Promise<Database> {
  admin ??= (async () => {
    const db = createPostgresDatabase(requirePostgresUrl(), { poolSize: 2 });
    await fillPool(db, 2);
    return db;
  })();
  admin.catch(() => admin = undefined);
  return admin;
}

/**
 * With a test server, every module importing this one opens the admin connection before its first test
 * and closes it after its last one (outside the sanitizers; see the module documentation). Registered
 * at import, before any shared database's hooks, so that it closes after them (`afterAll` hooks run
 * last registered first) and can still drop their database.
 */
if (testPostgresUrl() !== undefined) {
  Deno.test.beforeAll(async () => {
    await adminDatabase();
  });
  Deno.test.afterAll(async () => {
    const closing = admin;
    admin = undefined;
    await (await closing?.catch(() => undefined))?.close();
  });
}

/**
 * Makes this module open the shared database of `kind` before its first test and close it after its
 * last one, both outside any test and so outside the sanitizers.
 */
function hookShared(kind: DatabaseKind): void {
  if (shared[kind].hooked) return;
  shared[kind].hooked = true;
  Deno.test.beforeAll(async () => {
    await sharedDatabase(kind);
  });
  Deno.test.afterAll(async () => {
    const slot = shared[kind];
    const pending = slot.db;
    slot.db = undefined;
    await (await pending?.catch(() => undefined))?.close();
  });
}

/** Drops a test database; best effort (a failure only leaves it for the cluster removal). */
async function dropDatabase(name: string): Promise<void> {
  await (await adminDatabase()).query(`drop database if exists ${name} with (force)`).catch((error) => {
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
