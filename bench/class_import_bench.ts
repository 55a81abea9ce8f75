/**
 * Class-list import of 1,500 rows (goal: under 5 s), on the embedded PGlite: applying a file into an
 * establishment whose four classes exist — 1,480 pupils created, about 2,200 guardians invited (one
 * invitation mail each, queued) and 2,960 guardianships — in one transaction, through
 * `domain/class_import.ts` (admin check, parsing and re-validation included). Then the same file again,
 * which changes nothing.
 */
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { migrate } from "../db/migrate.ts";
import { makeClass, makeEstablishment, makeUser, uniqueToken } from "../db/factories.ts";
import { applyClassImport } from "../domain/class_import.ts";
import { testClock, testMailService } from "../tests/support/mail.ts";
import { CLASSES, classList } from "../tests/support/class_lists.ts";

const db = await createPGliteDatabase("memory://");
await migrate(db);
const mail = testMailService(db, { clock: testClock(), smtpUrl: "smtp://127.0.0.1:9" });

async function school() {
  const establishment = await makeEstablishment(db);
  for (const name of CLASSES) await makeClass(db, { establishmentId: establishment.id, name });
  const admin = await makeUser(db, { establishmentId: establishment.id, role: "admin" });
  const parent = await makeUser(db, { establishmentId: establishment.id, role: "parent" });
  const file = new TextEncoder().encode(
    classList({ token: uniqueToken(), existingParent: parent.email, french: true }).text,
  );
  const run = () =>
    applyClassImport(db, mail, { userId: admin.id, clientAddress: "127.0.0.1" }, {
      establishmentId: establishment.id,
      schoolYear: "2026-2027",
      file,
      locale: "fr",
    });
  return run;
}

Deno.bench({ name: "class import: 1,500 rows into an empty establishment", n: 5, warmup: 1 }, async (b) => {
  const run = await school();
  b.start();
  await run();
  b.end();
});

const again = await school();
await again();
Deno.bench(
  { name: "class import: the same 1,500 rows again (nothing changes)", n: 5, warmup: 1 },
  async () => {
    await again();
  },
);
