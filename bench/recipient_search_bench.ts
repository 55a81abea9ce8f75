/**
 * Recipient search under the class rules for an establishment of 5,000 members (200 teachers, 1,000
 * students, 3,800 parents in 40 classes), on the embedded PGlite, through `domain/messaging.ts` (the
 * rules applied as in production), and the one-query permission lookup of a send.
 */
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { migrate } from "../db/migrate.ts";
import {
  makeConversation,
  makeEstablishment,
  makeMembers,
  makeSchoolGraph,
  makeUser,
} from "../db/factories.ts";
import { currentSchoolYear, loadSendContexts } from "../db/school_graph.ts";
import { getAccess } from "../db/conversations.ts";
import { EventHub } from "../domain/events.ts";
import { createMessaging } from "../domain/messaging.ts";

const db = await createPGliteDatabase("memory://");
await migrate(db);
const school = await makeEstablishment(db);
const admin = await makeUser(db, { establishmentId: school.id, role: "admin" });
await makeMembers(db, { establishmentId: school.id, count: 200, role: "teacher" });
await makeMembers(db, { establishmentId: school.id, count: 1_000, role: "student" });
await makeMembers(db, { establishmentId: school.id, count: 3_799, role: "parent" });
await makeSchoolGraph(db, { establishmentId: school.id, classes: 40 });
await db.query("ANALYZE");
const pick = async (role: string) =>
  (await db.query<{ user_id: string }>(
    `SELECT user_id FROM memberships WHERE establishment_id = $1 AND role = $2 ORDER BY user_id LIMIT 1`,
    [school.id, role],
  ))[0]!.user_id;
const [parent, teacher] = [await pick("parent"), await pick("teacher")];
const messaging = createMessaging(db, new EventHub());
const teacherOfChild = (await messaging.searchRecipients(parent, school.id, ""))
  .find((r) => r.role === "teacher")!;
const chat = await makeConversation(db, { establishmentId: school.id, members: [parent, teacherOfChild.id] });

Deno.bench("recipient search: a parent, empty query, 5,000 members", async () => {
  await messaging.searchRecipients(parent, school.id, "");
});
Deno.bench('recipient search: a parent types "ma", 5,000 members', async () => {
  await messaging.searchRecipients(parent, school.id, "ma");
});
Deno.bench('recipient search: a teacher types "du", 5,000 members', async () => {
  await messaging.searchRecipients(teacher, school.id, "du");
});
Deno.bench('recipient search: an admin types "ma", 5,000 members', async () => {
  await messaging.searchRecipients(admin.id, school.id, "ma");
});
Deno.bench("send permission lookup (one query): a parent in a direct conversation", async () => {
  await loadSendContexts(db, parent, { conversationId: chat.id }, currentSchoolYear());
});
Deno.bench("for comparison: the role-only access query the send check used before (getAccess)", async () => {
  await getAccess(db, chat.id, parent);
});
