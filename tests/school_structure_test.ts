/**
 * The school structure through HTTP: admins create, rename and delete classes, assign teachers and add
 * pupils, link guardians; teachers and parents get 404, and ids of another establishment are not found.
 * Affiliation labels ("parent de Léa, CM2 A") on the people page and in the chat's wire objects.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { api, withServer } from "./support/server.ts";
import { school } from "./support/realtime_fixtures.ts";
import {
  makeClass,
  makeClassTeacher,
  makeConversation,
  makeEstablishment,
  makePupil,
} from "../db/factories.ts";
import { listClasses } from "../db/classes.ts";
import { listGuardians } from "../db/pupils.ts";
import { listAudit } from "../db/audit.ts";

sharesPglite();

dbTest(
  "school structure - admins manage classes, teachers, pupils and guardians; others get 404",
  async (db) => {
    await withServer(db, async (server) => {
      const { establishment, people: [admin, teacher, parent] } = await school(db, server, [
        "admin",
        "teacher",
        "parent",
      ]);
      const e = `establishment=${establishment.id}`;
      const post = async (path: string, fields: Record<string, string>, cookie = admin.cookie) => {
        const res = await fetch(
          `${server.url}/fr/admin/classes${path}${path.includes("?") ? "&" : "?"}${e}`,
          {
            method: "POST",
            headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(fields),
            redirect: "manual",
          },
        );
        return { status: res.status, location: res.headers.get("location") ?? "", text: await res.text() };
      };
      const get = async (path: string, cookie = admin.cookie) => {
        const res = await fetch(
          `${server.url}/fr/admin/classes${path}${path.includes("?") ? "&" : "?"}${e}`,
          {
            headers: { cookie },
          },
        );
        return { status: res.status, text: await res.text() };
      };

      assertEquals(
        (await post("", { action: "create", name: "CM2 A", schoolYear: "2026-2027" })).status,
        303,
      );
      const dup = await post("", { action: "create", name: "cm2 a", schoolYear: "2026-2027" });
      assertEquals(dup.status, 400);
      assertStringIncludes(dup.text, "already exists");
      assertEquals(
        (await post("", { action: "create", name: "CM2 B", schoolYear: "2026-2028" })).status,
        400,
      );
      const [cm2] = await listClasses(db, establishment.id, "2026-2027");
      assert(cm2, "the class was created");
      assertEquals((await post("", { action: "rename", classId: cm2.id, name: "CM2 Alpha" })).status, 303);
      assertStringIncludes((await get("?year=2026-2027")).text, "CM2 Alpha");

      assertEquals(
        (await post(`/${cm2.id}`, { action: "assign", teacherId: teacher.user.id, subject: "Anglais" }))
          .status,
        303,
      );
      assertEquals(
        (await post(`/${cm2.id}`, {
          action: "add-pupil",
          givenName: "Léa",
          name: "Dupont",
          externalRef: "A1",
        }))
          .status,
        303,
      );
      const classPage = await get(`/${cm2.id}`);
      assertEquals(classPage.status, 200);
      assertStringIncludes(classPage.text, `data-class-teacher="${teacher.user.id}"`);
      assertStringIncludes(classPage.text, "Léa Dupont");
      const pupilId = /data-class-pupil="([0-9a-f-]{36})"/.exec(classPage.text)?.[1];
      assert(pupilId, "the pupil is listed");

      assertEquals(
        (await post(`/pupil/${pupilId}`, { action: "link", userId: parent.user.id })).status,
        303,
      );
      assertEquals((await listGuardians(db, pupilId)).map((g) => g.userId), [parent.user.id]);
      const pupilPage = await get(`/pupil/${pupilId}`);
      assertStringIncludes(pupilPage.text, `data-guardian="${parent.user.email}"`);
      // A teacher cannot be linked as a guardian: only parents of the establishment.
      assertEquals(
        (await post(`/pupil/${pupilId}`, { action: "link", userId: teacher.user.id })).status,
        404,
      );

      // Only admins, and only their establishment's ids.
      assertEquals((await get("", teacher.cookie)).status, 404);
      assertEquals((await get(`/${cm2.id}`, parent.cookie)).status, 404);
      assertEquals(
        (await post("", { action: "create", name: "X", schoolYear: "2026-2027" }, teacher.cookie)).status,
        404,
      );
      const other = await makeEstablishment(db);
      const foreignClass = await makeClass(db, { establishmentId: other.id });
      const foreignPupil = await makePupil(db, { establishmentId: other.id, classIds: [foreignClass.id] });
      assertEquals((await get(`/${foreignClass.id}`)).status, 404);
      assertEquals((await get(`/pupil/${foreignPupil}`)).status, 404);
      assertEquals((await post("", { action: "delete", classId: foreignClass.id })).status, 404);
      assertEquals((await post(`/${cm2.id}`, { action: "add-pupil", pupilId: foreignPupil })).status, 404);
      assertEquals(
        (await listClasses(db, other.id, "2026-2027")).length,
        1,
        "the other school's class stays",
      );

      assertEquals(
        (await post(`/pupil/${pupilId}`, {
          action: "unlink",
          guardianshipId: (await listGuardians(db, pupilId))[0]!.id,
        })).status,
        303,
      );
      assertEquals(await listGuardians(db, pupilId), []);
      assertEquals(
        (await post(`/${cm2.id}`, { action: "unassign", teacherId: teacher.user.id })).status,
        303,
      );
      assertEquals((await post("", { action: "delete", classId: cm2.id })).status, 303);
      assertEquals(await listClasses(db, establishment.id, "2026-2027"), []);
      const actions = (await listAudit(db, { establishmentId: establishment.id })).map((a) => a.action);
      for (
        const action of [
          "class.create",
          "class.rename",
          "class.assign_teacher",
          "guardian.link",
          "class.delete",
        ]
      ) {
        assert(actions.includes(action), `${action} is in the audit log`);
      }
    });
  },
);

dbTest(
  "affiliation labels - the people page and the chat's wire objects say whose parent and which class",
  async (db) => {
    await withServer(db, async (server) => {
      const { establishment, people: [admin, teacher, parent] } = await school(db, server, [
        "admin",
        "teacher",
        "parent",
      ]);
      const cm2 = await makeClass(db, { establishmentId: establishment.id, name: "CM2 A" });
      await makeClassTeacher(db, { classId: cm2.id, teacherId: teacher.user.id });
      await makePupil(db, {
        establishmentId: establishment.id,
        givenName: "Léa",
        name: "Léa Dupont",
        classIds: [cm2.id],
        guardianIds: [parent.user.id],
      });
      const people = await fetch(`${server.url}/fr/admin/people?establishment=${establishment.id}`, {
        headers: { cookie: admin.cookie },
      }).then((r) => r.text());
      assertStringIncludes(people, "parent de Léa, CM2 A");
      assertStringIncludes(people, "enseignant, CM2 A");
      const english = await fetch(
        `${server.url}/en/admin/people/${parent.user.id}?establishment=${establishment.id}`,
        { headers: { cookie: admin.cookie } },
      ).then((r) => r.text());
      assertStringIncludes(english, `${parent.user.name} — parent of Léa, CM2 A`);

      const chat = await makeConversation(db, {
        establishmentId: establishment.id,
        members: [teacher.user.id, parent.user.id],
      });
      const listed = await api(
        server.url,
        teacher.cookie,
        `/api/conversations?establishmentId=${establishment.id}`,
      );
      assertEquals(listed.status, 200);
      const conversation = (listed.body as { conversations: { id: string; participants: unknown[] }[] })
        .conversations.find((c) => c.id === chat.id);
      const byId = new Map(
        (conversation?.participants as { id: string; affiliation?: unknown }[]).map((
          p,
        ) => [p.id, p.affiliation]),
      );
      assertEquals(byId.get(parent.user.id), { children: [{ name: "Léa", classes: ["CM2 A"] }] });
      assertEquals(byId.get(teacher.user.id), { classes: [{ name: "CM2 A" }] });

      const found = await api(
        server.url,
        teacher.cookie,
        `/api/recipients?establishmentId=${establishment.id}&q=${encodeURIComponent(parent.user.name)}`,
      );
      assertEquals(found.status, 200);
      assertEquals(
        (found.body as { recipients: { id: string; affiliation?: unknown }[] }).recipients
          .find((r) => r.id === parent.user.id)?.affiliation,
        { children: [{ name: "Léa", classes: ["CM2 A"] }] },
      );
    });
  },
);
