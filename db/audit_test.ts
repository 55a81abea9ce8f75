import { assertEquals, assertRejects } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeEstablishment } from "./factories.ts";
import { appendAudit, listAudit } from "./audit.ts";

dbTest(
  "audit - entries are listed newest first, filtered and paged, and cannot be changed or deleted",
  async (db) => {
    const school = await makeEstablishment(db);
    for (const [i, action] of ["person.deactivate", "person.reactivate", "person.deactivate"].entries()) {
      await appendAudit(db, {
        establishmentId: school.id,
        actorId: null,
        actorLabel: "operator (deno task admin)",
        action,
        targetType: "person",
        targetLabel: `Élève ${i} <e${i}@x.test>`,
      });
    }
    const all = await listAudit(db, { establishmentId: school.id });
    assertEquals(all.map((e) => e.targetLabel), [
      "Élève 2 <e2@x.test>",
      "Élève 1 <e1@x.test>",
      "Élève 0 <e0@x.test>",
    ]);
    const deactivations = await listAudit(db, { establishmentId: school.id, action: "person.deactivate" });
    assertEquals(deactivations.length, 2);
    assertEquals((await listAudit(db, { establishmentId: school.id, who: "E1@X" })).length, 1);
    assertEquals((await listAudit(db, { establishmentId: school.id, who: "100%" })).length, 0);
    const page = await listAudit(db, { establishmentId: school.id, limit: 2 });
    const next = await listAudit(db, { establishmentId: school.id, beforeId: page[1]!.id });
    assertEquals(next.map((e) => e.id), [all[2]!.id]);
    await assertRejects(() => db.query(`UPDATE audit_log SET action = 'person.nothing'`));
    await assertRejects(() => db.query(`DELETE FROM audit_log`));
    assertEquals((await listAudit(db, { establishmentId: school.id })).length, 3);
  },
);
