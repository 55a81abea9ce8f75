/**
 * Deactivation and reactivation through the admin endpoints: sockets on two instances close with 4401
 * within a second, login is refused with a message saying so, recipient search stops offering the
 * person, conversations show them as deactivated; reactivation restores access. Callers who are not
 * admins of the establishment change nothing. Each change lands in the audit log.
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { api, loginCookie, makeLoginUser, TEST_PASSWORD, withServer } from "./support/server.ts";
import { clusterTest, connect, POSTGRES_TIERS, school, schoolWithChat } from "./support/realtime_fixtures.ts";
import { makeEstablishment, makeSchoolClassWith } from "../db/factories.ts";
import { listAudit } from "../db/audit.ts";

sharesPglite();

const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

clusterTest(
  "admin - deactivating a parent closes their sockets on both instances within a second, refuses their login and hides them; reactivating restores access [postgres]",
  { instances: 2, realtime: { ...POSTGRES_TIERS, revalidateIntervalMs: 600_000 } },
  async ({ db, servers: [a, b] }) => {
    const { establishment, people: [admin, teacher, parent], chat } = await schoolWithChat(db, a, [
      "admin",
      "teacher",
      "parent",
    ]);
    await makeSchoolClassWith(db, {
      establishmentId: establishment.id,
      teacherIds: [teacher.user.id],
      parentIds: [parent.user.id],
    });
    const onA = await connect(a, parent);
    const onB = await connect(b, parent);
    const action = (verb: string) =>
      api(a.url, admin.cookie, `/api/admin/people/${parent.user.id}/${verb}`, {
        method: "POST",
        headers: { origin: a.url },
        body: { establishmentId: establishment.id },
      });

    const startedAt = Date.now();
    const deactivated = await action("deactivate");
    assertEquals(deactivated.status, 200);
    assertEquals((deactivated.body as { person: { deactivated: boolean } }).person.deactivated, true);
    assertEquals((await onA.client.waitClosed()).code, 4401);
    assertEquals((await onB.client.waitClosed()).code, 4401);
    const after = Date.now() - startedAt;
    assert(after < 1000, `closed ${after} ms after the deactivation`);

    const login = await api(b.url, undefined, "/api/auth/login", {
      method: "POST",
      body: { email: parent.user.email, password: TEST_PASSWORD },
    });
    assertEquals(login.status, 403);
    assertMatch(errorOf(login.body).message, /deactivated/);
    const page = await fetch(`${b.url}/fr/login`, {
      method: "POST",
      headers: { origin: b.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: parent.user.email, password: TEST_PASSWORD }),
    });
    assertEquals(page.status, 403);
    assertMatch(await page.text(), /Ce compte est désactivé/);

    const search = (q: string) =>
      api(
        a.url,
        teacher.cookie,
        `/api/recipients?establishmentId=${establishment.id}&q=${encodeURIComponent(q)}`,
      );
    const ids = (res: { body: unknown }) =>
      (res.body as { recipients: { id: string }[] }).recipients.map((r) => r.id);
    assert(!ids(await search(parent.user.name)).includes(parent.user.id), "search no longer offers them");
    const list = await api(a.url, teacher.cookie, `/api/conversations?establishmentId=${establishment.id}`);
    const listed =
      (list.body as { conversations: { id: string; participants: { id: string; deactivated?: true }[] }[] })
        .conversations.find((c) => c.id === chat.id);
    assertEquals(listed?.participants.find((p) => p.id === parent.user.id)?.deactivated, true);

    assertEquals((await action("reactivate")).status, 200);
    const cookie = await loginCookie(b.url, parent.user.email);
    const again = await connect(b, { ...parent, cookie });
    assertEquals(
      (again.hello.conversations as { id: string }[]).map((c) => c.id).includes(chat.id),
      true,
      "history kept",
    );
    assert(ids(await search(parent.user.name)).includes(parent.user.id), "search offers them again");
    await again.client.close();

    const audit = await listAudit(db, { establishmentId: establishment.id });
    assertEquals(
      audit.map((e) => [e.action, e.actorId, e.targetId]),
      [
        ["person.reactivate", admin.user.id, parent.user.id],
        ["person.deactivate", admin.user.id, parent.user.id],
      ],
    );
    assert(audit.every((e) => e.clientAddress === "127.0.0.1"), "the address is recorded");
  },
);

dbTest(
  "admin - a teacher gets 403, an admin of another school 404, bad input 400; nothing changes",
  async (db) => {
    await withServer(db, async (server) => {
      const { establishment, people: [admin, teacher, parent] } = await school(db, server, [
        "admin",
        "teacher",
        "parent",
      ]);
      const other = await makeEstablishment(db);
      const otherAdmin = await makeLoginUser(db, { establishmentId: other.id, role: "admin" });
      const otherCookie = await loginCookie(server.url, otherAdmin.email);
      const call = (cookie: string | undefined, userId: string, body: unknown, verb = "deactivate") =>
        api(server.url, cookie, `/api/admin/people/${userId}/${verb}`, {
          method: "POST",
          headers: { origin: server.url },
          body,
        });
      const body = { establishmentId: establishment.id };

      for (const verb of ["deactivate", "reactivate"]) {
        const byTeacher = await call(teacher.cookie, parent.user.id, body, verb);
        assertEquals([byTeacher.status, errorOf(byTeacher.body).code], [403, "forbidden"]);
        const byOutsider = await call(otherCookie, parent.user.id, body, verb);
        assertEquals([byOutsider.status, errorOf(byOutsider.body).code], [404, "not_found"]);
        const byParent = await call(parent.cookie, parent.user.id, body, verb);
        assertEquals(byParent.status, 403);
        assertEquals((await call(undefined, parent.user.id, body, verb)).status, 401);
      }
      const notMember = await call(admin.cookie, otherAdmin.id, body);
      assertEquals(notMember.status, 404, "a person of another establishment is not found");
      assertEquals((await call(admin.cookie, "not-a-person", body)).status, 404);
      const self = await call(admin.cookie, admin.user.id, body);
      assertEquals(self.status, 403);
      assertMatch(errorOf(self.body).message, /your own account/);
      const missing = await call(admin.cookie, parent.user.id, {});
      assertEquals([missing.status, errorOf(missing.body).message], [400, "establishmentId: required"]);
      const malformed = await call(admin.cookie, parent.user.id, { establishmentId: "x\u0000" });
      assertEquals(malformed.status, 400);
      assertMatch(errorOf(malformed.body).message, /^establishmentId: /);

      await loginCookie(server.url, parent.user.email);
      assertEquals(
        (await api(server.url, parent.cookie, "/api/me")).status,
        200,
        "the parent's session lives",
      );
      assertEquals(await listAudit(db, { establishmentId: establishment.id }), [], "nothing was recorded");
    });
  },
);

dbTest(
  "admin - changing a role and removing a membership, through the API and the person page; audited",
  async (db) => {
    await withServer(db, async (server) => {
      const { establishment, people: [admin, teacher, parent] } = await school(db, server, [
        "admin",
        "teacher",
        "parent",
      ]);
      const call = (cookie: string, userId: string, verb: string, body: Record<string, unknown>) =>
        api(server.url, cookie, `/api/admin/people/${userId}/${verb}`, {
          method: "POST",
          headers: { origin: server.url },
          body: { establishmentId: establishment.id, ...body },
        });
      assertEquals((await call(teacher.cookie, parent.user.id, "role", { role: "admin" })).status, 403);
      const bad = await call(admin.cookie, parent.user.id, "role", { role: "king" });
      assertEquals([bad.status, errorOf(bad.body).message.startsWith("role: ")], [400, true]);
      assertEquals(
        (await call(admin.cookie, admin.user.id, "role", { role: "parent" })).status,
        403,
        "not oneself",
      );
      assertEquals((await call(admin.cookie, parent.user.id, "role", { role: "teacher" })).status, 204);
      const me = await api(server.url, parent.cookie, "/api/me");
      assertEquals((me.body as { memberships: { role: string }[] }).memberships[0]?.role, "teacher");

      // From the person's page: the remove button.
      const page = await fetch(
        `${server.url}/fr/admin/people/${parent.user.id}?establishment=${establishment.id}`,
        {
          method: "POST",
          headers: {
            cookie: admin.cookie,
            origin: server.url,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: "action=remove",
          redirect: "manual",
        },
      );
      await page.body?.cancel();
      assertEquals(page.status, 303);
      const after = await api(server.url, parent.cookie, "/api/me");
      assertEquals((after.body as { memberships: unknown[] }).memberships, []);
      assertEquals(
        (await call(admin.cookie, parent.user.id, "remove", {})).status,
        404,
        "no longer a member",
      );

      const actions = (await listAudit(db, { establishmentId: establishment.id })).map((e) => e.action);
      assertEquals(actions, ["membership.remove", "membership.role"]);
    });
  },
);
