/**
 * `deno task db:migrate`: applies pending migrations to the configured database (the same
 * `DATABASE_URL` / `PREAU_DATA_DIR` the server uses) and says what it applied, e.g. as a deployment step
 * before new instances start. Safe to run while other instances migrate: see `db/migrate.ts`.
 */
import { loadConfig } from "../server/config.ts";
import { openDatabase } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const where = config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${config.dataDir}`;
    const { applied } = await migrate(db);
    console.log(
      applied.length === 0
        ? `${where}: schema is up to date, nothing to apply`
        : `${where}: applied ${applied.length} migration(s):\n${
          applied.map((name) => `  ${name}`).join("\n")
        }`,
    );
  } finally {
    await db.close();
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
