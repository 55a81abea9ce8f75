/**
 * `/[locale]/admin/audit`: admin actions are listed (filtered, paged) for the establishment's admins only,
 * and exported as CSV that a spreadsheet cannot run as formulas.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { api, loginCookie, makeLoginUser, withServer } from "./support/server.ts";
import { school } from "./support/realtime_fixtures.ts";
import { makeEstablishment } from "../db/factories.ts";
import { appendAudit } from "../db/audit.ts";

const rows = (html: string) => [...html.matchAll(/data-audit-action="([^"]+)"/g)].map((m) => m[1]);

dbTest(
  "audit page - lists deactivations and reactivations, filters them, exports CSV; only for admins",
  async (db) => {
    await withServer(db, async (server) => {
      const { establishment, people: [admin, teacher] } = await school(db, server, ["admin", "teacher"]);
      const parent = await makeLoginUser(db, {
        establishmentId: establishment.id,
        role: "parent",
        name: '=HYPERLINK("http://evil.test")',
      });
      for (const verb of ["deactivate", "reactivate"]) {
        const res = await api(server.url, admin.cookie, `/api/admin/people/${parent.id}/${verb}`, {
          method: "POST",
          headers: { origin: server.url },
          body: { establishmentId: establishment.id },
        });
        assertEquals(res.status, 200);
      }
      const get = async (query: string, cookie = admin.cookie) => {
        const res = await fetch(`${server.url}/fr/admin/audit?establishment=${establishment.id}${query}`, {
          headers: { cookie },
        });
        return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
      };
      const all = await get("");
      assertEquals(all.status, 200);
      assertEquals(rows(all.text), ["person.reactivate", "person.deactivate"]);
      assertStringIncludes(all.text, "Compte désactivé");
      assertStringIncludes(all.text, "127.0.0.1");
      assertEquals(rows((await get("&action=person.deactivate")).text), ["person.deactivate"]);
      assertEquals(
        rows((await get(`&who=${encodeURIComponent(parent.email.toUpperCase())}`)).text).length,
        2,
      );
      assertEquals(rows((await get("&who=nobody-at-all")).text), []);

      const csv = await get("&format=csv");
      assertEquals(csv.type, "text/csv; charset=utf-8");
      const lines = csv.text.replace(/^\uFEFF/, "").trimEnd().split("\r\n");
      assertEquals(lines[0], "time,actor,action,target,address,details");
      assertEquals(lines.length, 3);
      assert(
        lines.slice(1).every((l) => l.includes(`"'=HYPERLINK(""http://evil.test"")`)),
        "formulas are neutralised",
      );

      assertEquals((await get("", teacher.cookie)).status, 404, "a teacher gets no audit page");
      assertEquals((await get("&format=csv", teacher.cookie)).status, 404);
      const other = await makeEstablishment(db);
      const otherAdmin = await makeLoginUser(db, { establishmentId: other.id, role: "admin" });
      const foreign = await get("", await loginCookie(server.url, otherAdmin.email));
      assertEquals(foreign.status, 200, "they see their own establishment's log");
      assertEquals(rows(foreign.text), []);
    });
  },
);

dbTest("audit page - pages of 50, newest first, with a link to older entries", async (db) => {
  await withServer(db, async (server) => {
    const { establishment, people: [admin] } = await school(db, server, ["admin"]);
    for (let i = 0; i < 55; i++) {
      await appendAudit(db, {
        establishmentId: establishment.id,
        actorId: null,
        actorLabel: "operator",
        action: "person.deactivate",
        targetLabel: `Personne ${i}`,
      });
    }
    const first = await (await fetch(`${server.url}/en/admin/audit?establishment=${establishment.id}`, {
      headers: { cookie: admin.cookie },
    })).text();
    assertEquals(rows(first).length, 50);
    assertStringIncludes(first, "Personne 54");
    const older = /href="([^"]+before=\d+[^"]*)"[^>]*rel="next"/.exec(first)?.[1]?.replaceAll("&amp;", "&");
    assert(older, "a link to older entries");
    const second = await (await fetch(`${server.url}${older}`, { headers: { cookie: admin.cookie } })).text();
    assertEquals(rows(second).length, 5);
    assertStringIncludes(second, "Personne 0");
    assert(!second.includes('rel="next"'), "no link past the oldest entry");
  });
});
