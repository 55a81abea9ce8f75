/**
 * Class-list import through the admin page: a 1,500-row CSV with 20 bad rows previews exactly those
 * errors, applies the rest in one transaction (a failure mid-apply leaves nothing), and a re-import
 * changes nothing — in UTF-8 with BOM and `,`, and in Windows-1252 without BOM with `;` and French
 * headers. New guardians get invitation mails (real SMTP server) and become guardians on acceptance.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { mailsTo, withMail } from "./support/mail.ts";
import { type TestServer, withServer } from "./support/server.ts";
import { school } from "./support/realtime_fixtures.ts";
import { makeClass, makeUser, uniqueToken } from "../db/factories.ts";
import type { Database } from "../db/types.ts";
import { applyClassImport } from "../domain/class_import.ts";
import { testClock, testMailService } from "./support/mail.ts";
import { listGuardians } from "../db/pupils.ts";
import { CLASSES, classList, cp1252 } from "./support/class_lists.ts";

sharesPglite();

interface Page {
  status: number;
  text: string;
  location: string;
}

async function postImport(server: TestServer, cookie: string, establishmentId: string, body: FormData) {
  const res = await fetch(`${server.url}/fr/admin/classes/import?establishment=${establishmentId}`, {
    method: "POST",
    headers: { cookie, origin: server.url },
    body,
    redirect: "manual",
  });
  return { status: res.status, text: await res.text(), location: res.headers.get("location") ?? "" } as Page;
}

function preview(file: Uint8Array, schoolYear = "2026-2027"): FormData {
  const form = new FormData();
  form.set("action", "preview");
  form.set("schoolYear", schoolYear);
  form.set("file", new File([new Uint8Array(file)], "liste.csv", { type: "text/csv" }));
  return form;
}

/** The apply form of a preview page, as the browser would post it. */
function applyForm(page: Page): FormData {
  const data = /name="data" value="([^"]*)"/.exec(page.text)?.[1];
  assert(data, "the preview carries the file to apply");
  const form = new FormData();
  form.set("action", "apply");
  form.set("schoolYear", "2026-2027");
  form.set("data", data);
  return form;
}

function errorLines(html: string): number[] {
  return [...html.matchAll(/data-import-row="(\d+)" data-status="error"/g)].map((m) => Number(m[1]));
}

async function counts(db: Database, establishmentId: string) {
  const [row] = await db.query<Record<string, number>>(
    `SELECT
       (SELECT count(*)::int FROM pupils WHERE establishment_id = $1) AS pupils,
       (SELECT count(*)::int FROM class_pupils cp JOIN pupils p ON p.id = cp.pupil_id WHERE p.establishment_id = $1)
         AS "classLinks",
       (SELECT count(*)::int FROM guardianships g JOIN pupils p ON p.id = g.pupil_id WHERE p.establishment_id = $1)
         AS guardianships,
       (SELECT count(*)::int FROM invitations WHERE establishment_id = $1) AS invitations,
       (SELECT count(*)::int FROM mail_queue WHERE establishment_id = $1) AS mails`,
    [establishmentId],
  );
  return row!;
}

async function importScenario(db: Database, french: boolean) {
  await withServer(db, async (server) => {
    const { establishment, people: [admin] } = await school(db, server, ["admin"]);
    for (const name of CLASSES) await makeClass(db, { establishmentId: establishment.id, name });
    const existing = await makeUser(db, { establishmentId: establishment.id, role: "parent" });
    const token = uniqueToken();
    const { text, bad } = classList({ token, existingParent: existing.email, french });
    assertEquals(bad.size, 20);
    const file = french ? cp1252(text) : new TextEncoder().encode(`\uFEFF${text}`);

    const shown = await postImport(server, admin.cookie, establishment.id, preview(file));
    assertEquals(shown.status, 200);
    assertEquals(errorLines(shown.text).sort((a, b) => a - b), [...bad].sort((a, b) => a - b));
    assertStringIncludes(shown.text, french ? "windows-1252" : "utf-8");
    assertStringIncludes(shown.text, "CM3 Z");
    assertStringIncludes(shown.text, "pour 2026-2027 : créez-la sur la page Classes");
    assertEquals(await counts(db, establishment.id), {
      pupils: 0,
      classLinks: 0,
      guardianships: 0,
      invitations: 0,
      mails: 0,
    }, "a preview writes nothing");

    // A failure in the middle of applying (the guardian links come after pupils and invitations) leaves nothing.
    await db.query(
      `CREATE OR REPLACE FUNCTION pg_temp_fail_import() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (SELECT establishment_id FROM pupils WHERE id = NEW.pupil_id) = '${establishment.id}' THEN
           RAISE EXCEPTION 'test failure in the middle of an import';
         END IF;
         RETURN NEW;
       END $$`.replace("pg_temp_fail_import", `fail_import_${token}`),
    );
    await db.query(
      `CREATE TRIGGER fail_import_${token} BEFORE INSERT ON guardianships FOR EACH ROW
       EXECUTE FUNCTION fail_import_${token}()`,
    );
    try {
      const mail = testMailService(db, { clock: testClock(), smtpUrl: "smtp://127.0.0.1:9" });
      let failed = false;
      try {
        await applyClassImport(db, mail, { userId: admin.user.id, clientAddress: "127.0.0.1" }, {
          establishmentId: establishment.id,
          schoolYear: "2026-2027",
          file,
          locale: "fr",
        });
      } catch (error) {
        failed = String(error).includes("test failure");
      } finally {
        await mail.close();
      }
      assert(failed, "the injected failure stopped the import");
    } finally {
      await db.query(`DROP TRIGGER fail_import_${token} ON guardianships`);
      await db.query(`DROP FUNCTION fail_import_${token}()`);
    }
    assertEquals((await counts(db, establishment.id)).pupils, 0, "nothing of the failed import remains");
    assertEquals((await counts(db, establishment.id)).invitations, 0);

    const applied = await postImport(server, admin.cookie, establishment.id, applyForm(shown));
    assertEquals(applied.status, 303);
    const done = new URL(applied.location, server.url).searchParams;
    assertEquals(done.get("created"), "1480");
    assertEquals(done.get("errors"), "20");
    const after = await counts(db, establishment.id);
    assertEquals(after.pupils, 1480);
    assertEquals(after.classLinks, 1480);
    // Every valid row links two guardians (the existing parent directly, everyone else by invitation).
    assertEquals(after.guardianships, 2960);
    assert(
      after.invitations! > 1480 && after.invitations === after.mails,
      "one invitation mail per new guardian",
    );
    const existingChildren = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM guardianships WHERE guardian_id = $1`,
      [existing.id],
    );
    assertEquals(existingChildren[0]!.n, 30 - [...bad].filter((line) => (line - 2) % 50 === 0).length);

    // The same file again: the preview says nothing changes, and applying changes nothing.
    const again = await postImport(server, admin.cookie, establishment.id, preview(file));
    assertEquals(errorLines(again.text).length, 20);
    assertEquals([...again.text.matchAll(/data-status="(create|update)"/g)].length, 0);
    const reapplied = await postImport(server, admin.cookie, establishment.id, applyForm(again));
    assertEquals(reapplied.status, 303);
    const redone = new URL(reapplied.location, server.url).searchParams;
    assertEquals([redone.get("created"), redone.get("updated"), redone.get("unchanged")], ["0", "0", "1480"]);
    assertEquals(await counts(db, establishment.id), after);
    // Thousands of invitation mails: not for other tests' mail workers (the queue is shared) to send.
    await db.query(`DELETE FROM mail_queue WHERE establishment_id = $1`, [establishment.id]);
  });
}

dbTest(
  "class import - 1,500 rows in UTF-8 with BOM and commas: the 20 bad rows are previewed, the rest applied at once, a re-import changes nothing",
  async (db) => await importScenario(db, false),
);

dbTest(
  "class import - the same in Windows-1252 without BOM, semicolons and French headers",
  async (db) => await importScenario(db, true),
);

dbTest(
  "class import - bad files get clear errors; a teacher gets 404; the template downloads in both languages",
  async (db) => {
    await withServer(db, async (server) => {
      const { establishment, people: [admin, teacher] } = await school(db, server, ["admin", "teacher"]);
      const encoded = (s: string) => new TextEncoder().encode(s);
      const noClass = await postImport(
        server,
        admin.cookie,
        establishment.id,
        preview(encoded("Nom;Prénom\nA;B\n")),
      );
      assertEquals(noClass.status, 400);
      assertStringIncludes(noClass.text, "Classe");
      const huge = await postImport(
        server,
        admin.cookie,
        establishment.id,
        preview(encoded("Élève;Classe\n" + "Jean Dupont;CM2 A\n".repeat(5001))),
      );
      assertEquals(huge.status, 413);
      assertStringIncludes(huge.text, "5001 rows");
      assertEquals(
        (await postImport(server, teacher.cookie, establishment.id, preview(encoded("Élève;Classe\n"))))
          .status,
        404,
      );
      for (const locale of ["fr", "en"]) {
        const res = await fetch(
          `${server.url}/fr/admin/classes/import?establishment=${establishment.id}&template=${locale}`,
          { headers: { cookie: admin.cookie } },
        );
        assertEquals(res.status, 200);
        const template = await res.text();
        assertStringIncludes(template, locale === "fr" ? "Responsable 1 courriel" : "Guardian 1 email");
      }
    });
  },
);

dbTest(
  "class import - new guardians get an invitation mail; accepting it makes them the pupil's guardian",
  async (db) => {
    await withMail(db, async ({ smtp, mail }) => {
      await withServer(db, { mail }, async (server) => {
        const { establishment, people: [admin] } = await school(db, server, ["admin"]);
        await makeClass(db, { establishmentId: establishment.id, name: "CM2 A" });
        const token = uniqueToken();
        const file = new TextEncoder().encode(
          "Élève;Classe;Responsable 1 nom;Responsable 1 courriel\n" +
            `Léa Martin;CM2 A;Anne Martin;anne-${token}@invite.test\n` +
            `Tom Martin;cm2 a;Anne Martin;anne-${token}@invite.test\n` +
            `Zoé Roux;CM2 A;Karim Roux;karim-${token}@invite.test\n`,
        );
        const shown = await postImport(server, admin.cookie, establishment.id, preview(file));
        assertEquals(errorLines(shown.text), []);
        assertEquals(
          (await postImport(server, admin.cookie, establishment.id, applyForm(shown))).status,
          303,
        );
        await mail.deliver();
        await smtp.waitFor(2);
        const anne = mailsTo(smtp.received, `anne-${token}@invite.test`);
        assertEquals(anne.length, 1, "one invitation for two children");
        assertEquals(mailsTo(smtp.received, `karim-${token}@invite.test`).length, 1);
        const link = /\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(anne[0]!.text ?? "")?.[1];
        assert(link, "the mail carries the invitation link");
        const accepted = await fetch(`${server.url}/api/invitations/accept`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: server.url },
          body: JSON.stringify({ token: link, password: "a long enough password" }),
        });
        assertEquals(accepted.status, 200);
        const accepter = (await accepted.json()) as { user: { id: string } };
        const pupils = await db.query<{ id: string }>(
          `SELECT id FROM pupils WHERE establishment_id = $1 AND name LIKE '% Martin' ORDER BY name`,
          [establishment.id],
        );
        assertEquals(pupils.length, 2);
        for (const pupil of pupils) {
          assertEquals((await listGuardians(db, pupil.id)).map((g) => [g.userId, g.pending]), [[
            accepter.user.id,
            false,
          ]]);
        }
      });
    });
  },
);
