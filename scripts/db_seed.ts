/**
 * `deno task db:seed`: applies pending migrations, then seeds the demo data of
 * /work/shared/design/demo-data.md (password `preau-demo` for every account) into the configured
 * database — `DATABASE_URL` when set, else the embedded PGlite in `PREAU_DATA_DIR`. Running it again
 * changes nothing.
 */
import { loadConfig } from "../server/config.ts";
import { openDatabase } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from "../db/seed.ts";
import { hashPassword } from "../domain/passwords.ts";

async function main(): Promise<number> {
  const config = loadConfig();
  const where = config.databaseUrl ? "the PostgreSQL server of DATABASE_URL" : `PGlite in ${config.dataDir}`;
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const { applied } = await migrate(db);
    console.log(applied.length > 0 ? `Applied migrations: ${applied.join(", ")}` : "Schema is up to date.");
    const { created } = await seedDemo(db, { passwordHash: () => hashPassword(DEMO_PASSWORD) });
    if (created) {
      console.log(
        `Seeded the demo data into ${where}. Log in with any of these, password "${DEMO_PASSWORD}":`,
      );
      for (const user of DEMO_USERS) console.log(`  ${user.email.padEnd(30)} ${user.name}`);
    } else {
      console.log(`The demo data is already in ${where}; nothing changed.`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`db:seed failed: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
