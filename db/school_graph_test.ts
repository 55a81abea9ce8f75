import { assertEquals } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeConversation, makeEstablishment, makeUser } from "./factories.ts";
import { loadSendHeads } from "./school_graph.ts";

dbTest(
  "school graph - send heads for many sends in one statement answer each in order, none where the sender is not a participant",
  async (db) => {
    const school = await makeEstablishment(db);
    const teacher = await makeUser(db, { establishmentId: school.id, role: "teacher" });
    const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
    const outsider = await makeUser(db, { establishmentId: school.id, role: "parent" });
    const chat = await makeConversation(db, {
      establishmentId: school.id,
      members: [teacher.id, parent.id],
      createdBy: teacher.id,
    });
    const heads = await loadSendHeads(db, [
      { viewerId: parent.id, conversationId: chat.id },
      { viewerId: outsider.id, conversationId: chat.id },
      { viewerId: "not-a-uuid", conversationId: chat.id },
      { viewerId: teacher.id, conversationId: chat.id.toUpperCase() },
    ]);
    assertEquals(heads.map((h) => h && [h.conversationId, h.establishmentId, h.role, h.createdByRole]), [
      [chat.id, school.id, "parent", "teacher"],
      undefined,
      undefined,
      [chat.id, school.id, "teacher", "teacher"],
    ]);
    assertEquals(heads[0]?.locale, parent.locale);
    assertEquals(await loadSendHeads(db, []), []);
    // One lookup alone goes another way (plain parameters): the same answers.
    assertEquals(await loadSendHeads(db, [{ viewerId: parent.id, conversationId: chat.id }]), [heads[0]]);
    assertEquals(await loadSendHeads(db, [{ viewerId: outsider.id, conversationId: chat.id }]), [undefined]);
  },
);
