/**
 * `/[locale]/admin/people` and each person's page: accent-insensitive search, role and status filters,
 * paging, and deactivation from the page; only for the establishment's admins.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { api, loginCookie, makeLoginUser, withServer } from "./support/server.ts";
import { school } from "./support/realtime_fixtures.ts";
import { makeEstablishment, makeMembers, makeUser } from "../db/factories.ts";

const rows = (html: string) => [...html.matchAll(/data-person="([^"]+)"/g)].map((m) => m[1]);

dbTest(
  "people page - search ignores accents, filters by role and status, pages by 50; admins only",
  async (db) => {
    await withServer(db, async (server) => {
      const { establishment, people: [admin, teacher] } = await school(db, server, ["admin", "teacher"]);
      const elodie = await makeUser(db, {
        establishmentId: establishment.id,
        role: "parent",
        name: "Anaëlle Fèvre",
      });
      const eloise = await makeUser(db, {
        establishmentId: establishment.id,
        role: "teacher",
        name: "Anaelle Durand",
      });
      const marc = await makeUser(db, {
        establishmentId: establishment.id,
        role: "parent",
        name: "Marc Zorro",
      });
      await makeMembers(db, { establishmentId: establishment.id, count: 55, role: "student" });
      const deactivated = await api(server.url, admin.cookie, `/api/admin/people/${marc.id}/deactivate`, {
        method: "POST",
        headers: { origin: server.url },
        body: { establishmentId: establishment.id },
      });
      assertEquals(deactivated.status, 200);
      const get = async (query: string, cookie = admin.cookie) => {
        const res = await fetch(`${server.url}/fr/admin/people?establishment=${establishment.id}${query}`, {
          headers: { cookie },
        });
        return { status: res.status, html: await res.text() };
      };
      const search = await get("&q=ANAE");
      assertEquals(search.status, 200);
      assertEquals(new Set(rows(search.html)), new Set([elodie.id, eloise.id]));
      assertEquals((await get("&q=fevre")).html.includes(elodie.id), true, "accents ignored");
      assertEquals(rows((await get("&q=anaë&role=teacher")).html), [eloise.id]);
      assertEquals(rows((await get("&status=deactivated")).html), [marc.id]);

      const first = await get("");
      assertEquals(rows(first.html).length, 50);
      assertStringIncludes(first.html, 'data-people-total="60"');
      const second = await get("&page=2");
      assertEquals(rows(second.html).length, 10);
      assertEquals(new Set([...rows(first.html), ...rows(second.html)]).size, 60);

      assertEquals((await get("", teacher.cookie)).status, 404, "a teacher gets no people page");

      // The person's page: status, then reactivation from its button.
      const personUrl = `${server.url}/fr/admin/people/${marc.id}?establishment=${establishment.id}`;
      const page = await (await fetch(personUrl, { headers: { cookie: admin.cookie } })).text();
      assertStringIncludes(page, 'data-person-status="deactivated"');
      const posted = await fetch(personUrl, {
        method: "POST",
        headers: {
          cookie: admin.cookie,
          origin: server.url,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "action=reactivate",
        redirect: "manual",
      });
      await posted.body?.cancel();
      assertEquals(posted.status, 303);
      const after = await (await fetch(personUrl, { headers: { cookie: admin.cookie } })).text();
      assertStringIncludes(after, 'data-person-status="active"');

      const other = await makeEstablishment(db);
      const outsider = await makeLoginUser(db, { establishmentId: other.id, role: "parent" });
      const foreign = await fetch(
        `${server.url}/fr/admin/people/${outsider.id}?establishment=${establishment.id}`,
        {
          headers: { cookie: admin.cookie },
        },
      );
      await foreign.body?.cancel();
      assertEquals(foreign.status, 404, "someone of another establishment is not found");
      const byTeacher = await fetch(personUrl, {
        method: "POST",
        headers: {
          cookie: await loginCookie(server.url, teacher.user.email),
          origin: server.url,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "action=deactivate",
        redirect: "manual",
      });
      await byTeacher.body?.cancel();
      assertEquals(byTeacher.status, 404);
      assert(
        (await (await fetch(personUrl, { headers: { cookie: admin.cookie } })).text()).includes('"active"'),
      );
    });
  },
);
