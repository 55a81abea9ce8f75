/** A deactivated person stays in their conversations, shown as deactivated to the others. */
import { assert, assertStringIncludes } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { withServer } from "./support/server.ts";
import { schoolWithChat } from "./support/realtime_fixtures.ts";
import { setPersonActive } from "../domain/admin.ts";

dbTest("pages - a deactivated teacher is shown as deactivated in the parent's conversation", async (db) => {
  await withServer(db, async (server) => {
    const { establishment, people: [admin, teacher, parent], chat } = await schoolWithChat(db, server, [
      "admin",
      "teacher",
      "parent",
    ]);
    const page = async () => {
      const res = await fetch(`${server.url}/fr/parents/messagerie/${chat.id}`, {
        headers: { cookie: parent.cookie },
      });
      return await res.text();
    };
    assert(!(await page()).includes("compte désactivé"), "nobody is deactivated yet");
    await setPersonActive(db, server.services.events, { userId: admin.user.id, clientAddress: "127.0.0.1" }, {
      establishmentId: establishment.id,
      userId: teacher.user.id,
      active: false,
    });
    assertStringIncludes(await page(), "Enseignant, compte désactivé");
  });
});
