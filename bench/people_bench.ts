/**
 * The admin's people page and search for an establishment of 5,000 members (goal: under 50 ms of server
 * time each), on the embedded PGlite: the first page, a deep page, an accent-insensitive search and a
 * role filter, all through `domain/people.ts` (admin check included).
 */
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { migrate } from "../db/migrate.ts";
import { makeEstablishment, makeMembers, makeUser } from "../db/factories.ts";
import { peoplePage } from "../domain/people.ts";

const MEMBERS = 5_000;
const db = await createPGliteDatabase("memory://");
await migrate(db);
const school = await makeEstablishment(db);
const admin = await makeUser(db, { establishmentId: school.id, role: "admin" });
await makeMembers(db, { establishmentId: school.id, count: MEMBERS - 500, role: "parent" });
await makeMembers(db, { establishmentId: school.id, count: 500, role: "teacher" });
await db.query("ANALYZE");

const establishmentId = school.id;
Deno.bench(`people page 1 of ${MEMBERS} members`, async () => {
  await peoplePage(db, admin.id, { establishmentId });
});
Deno.bench(`people page 90 of ${MEMBERS} members`, async () => {
  await peoplePage(db, admin.id, { establishmentId, page: 89 });
});
Deno.bench(`people search "elo" among ${MEMBERS} members`, async () => {
  await peoplePage(db, admin.id, { establishmentId, query: "elo" });
});
Deno.bench(`people filtered to teachers among ${MEMBERS} members`, async () => {
  await peoplePage(db, admin.id, { establishmentId, role: "teacher" });
});
