/**
 * Mail through the HTTP surface, on both backends: the one-click unsubscribe without a login, staff
 * emails to a whole role (and nobody else), neutralised content, and the outbox of the embedded default.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { mailsTo, passDelay, sendAs, testClock, testMailService, withMail } from "./support/mail.ts";
import { api, loginCookie, makeLoginUser, withServer } from "./support/server.ts";
import { makeConversation, makeEstablishment, makeSchoolClassWith, makeUser } from "../db/factories.ts";
import { getMailPreference } from "../db/mail_preferences.ts";
import { outboxTransport } from "../domain/mail/transport.ts";
import { simpleParser } from "mailparser";
import { Buffer } from "node:buffer";

/** `url`'s path and query on `base` (mails link to the public URL; tests talk to the test server). */
function on(base: string, url: string): string {
  const u = new URL(url);
  return `${base}${u.pathname}${u.search}`;
}

dbTest(
  "unsubscribe - the one-click link of a digest sets the preference to none without a login",
  async (db) => {
    await withMail(db, ({ smtp, clock, mail }) =>
      withServer(db, { mail }, async (server) => {
        const school = await makeEstablishment(db);
        const teacher = await makeUser(db, { establishmentId: school.id, role: "teacher" });
        const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
        const { id } = await makeConversation(db, {
          establishmentId: school.id,
          members: [teacher.id, parent.id],
        });
        await sendAs(db, teacher.id, id, "Bonjour");
        await passDelay(clock, mail);
        const [digest] = mailsTo(smtp.received, parent.email);
        assert(digest, "a digest arrived");
        assert(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m.test(digest.raw), digest.raw);
        const headers = digest.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
        const link = /^List-Unsubscribe:\s*<([^>]+)>/m.exec(headers)?.[1];
        assert(link, "List-Unsubscribe has a URL");
        assertStringIncludes(digest.text ?? "", link);

        const page = await fetch(on(server.url, link));
        assertEquals(page.status, 200);
        assertStringIncludes(await page.text(), parent.email);
        assertEquals((await getMailPreference(db, parent.id)).digest, "soon", "GET alone never unsubscribes");

        const forged = await fetch(on(server.url, link).replace(/token=[^.]+/, `token=${teacher.id}`), {
          method: "POST",
        });
        assertEquals(forged.status, 400);
        await forged.body?.cancel();

        // What a mail provider sends (RFC 8058): no cookie, its own origin, the one-click body.
        const res = await fetch(on(server.url, link), {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: "https://mail.provider.example",
          },
          body: "List-Unsubscribe=One-Click",
        });
        assertEquals(res.status, 200);
        await res.body?.cancel();
        assertEquals((await getMailPreference(db, parent.id)).digest, "none");
        await sendAs(db, teacher.id, id, "Encore");
        clock.advance(7 * 3_600_000);
        await mail.digestPass();
        await mail.deliver();
        assertEquals(mailsTo(smtp.received, parent.email).length, 1, "no digest after unsubscribing");
      }));
  },
);

dbTest(
  "staff email - to all parents reaches exactly the parents of that establishment and nobody of another",
  async (db) => {
    await withMail(db, ({ smtp, mail }) =>
      withServer(db, { mail }, async (server) => {
        const school = await makeEstablishment(db);
        const other = await makeEstablishment(db);
        const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
        const parentLogin = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
        const parents = [
          parentLogin,
          ...await Promise.all(
            [1, 2].map(() => makeUser(db, { establishmentId: school.id, role: "parent" })),
          ),
        ];
        const student = await makeUser(db, { establishmentId: school.id, role: "student" });
        const admin = await makeUser(db, { establishmentId: school.id, role: "admin" });
        const outsider = await makeUser(db, { establishmentId: other.id, role: "parent" });
        const cookie = await loginCookie(server.url, teacher.email);
        const sent = await api(server.url, cookie, "/api/mail/emails", {
          method: "POST",
          body: { establishmentId: school.id, subject: "Kermesse", body: "Samedi 10 h", roles: ["parent"] },
        });
        assertEquals(sent.status, 201, JSON.stringify(sent.body));
        assertEquals((sent.body as { recipients: number }).recipients, 3);
        await mail.deliver();
        for (const p of parents) assertEquals(mailsTo(smtp.received, p.email).length, 1, p.email);
        for (const nobody of [student, admin, outsider, teacher]) {
          assertEquals(mailsTo(smtp.received, nobody.email).length, 0, nobody.email);
        }
        const report = await api(server.url, cookie, `/api/mail/emails?establishmentId=${school.id}`);
        const [email] =
          (report.body as { emails: { recipients: { email: string; status: string }[] }[] }).emails;
        assertEquals(email?.recipients.map((r) => r.status), ["sent", "sent", "sent"]);

        const parentCookie = await loginCookie(server.url, parentLogin.email);
        const refused = await api(server.url, parentCookie, "/api/mail/emails", {
          method: "POST",
          body: { establishmentId: school.id, subject: "Spam", body: "x", roles: ["parent"] },
        });
        assertEquals(refused.status, 403);
        const elsewhere = await api(server.url, cookie, "/api/mail/emails", {
          method: "POST",
          body: { establishmentId: school.id, subject: "x", body: "x", recipientIds: [outsider.id] },
        });
        assertEquals(elsewhere.status, 403, "a person of another establishment cannot be picked");
      }));
  },
);

dbTest("content - an HTML/script body and a subject with CR/LF are neutralised", async (db) => {
  await withMail(db, ({ smtp, mail }) =>
    withServer(db, { mail }, async (server) => {
      const school = await makeEstablishment(db);
      const admin = await makeLoginUser(db, { establishmentId: school.id, role: "admin" });
      const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
      const cookie = await loginCookie(server.url, admin.email);
      const res = await api(server.url, cookie, "/api/mail/emails", {
        method: "POST",
        body: {
          establishmentId: school.id,
          subject: "Info\r\nBcc: victim@evil.test",
          body: `<script>alert("x")</script><img src=x onerror=alert(1)> & co`,
          recipientIds: [parent.id],
        },
      });
      assertEquals(res.status, 201, JSON.stringify(res.body));
      await mail.deliver();
      const [got] = mailsTo(smtp.received, parent.email);
      assert(got, "delivered");
      assertEquals(got.subject, "Info Bcc: victim@evil.test");
      assertEquals(got.bcc, undefined);
      assert(!/^bcc:/im.test(got.raw), "no Bcc header in the source");
      const html = String(got.html);
      assert(!html.includes("<script") && !html.includes("<img"), html);
      assertStringIncludes(html, "&#60;script&#62;");
      assertStringIncludes(got.text ?? "", `<script>alert("x")</script>`);
    }));
});

dbTest(
  "outbox - on the embedded default a digest appears in outbox/ and on the admin outbox page",
  async (db) => {
    const dir = await Deno.makeTempDir({ prefix: "preau-outbox-test-" });
    const clock = testClock();
    const mail = testMailService(db, { clock, transport: outboxTransport(`${dir}/outbox`) });
    try {
      await withServer(db, { mail }, async (server) => {
        const school = await makeEstablishment(db);
        const other = await makeEstablishment(db);
        const admin = await makeLoginUser(db, { establishmentId: school.id, role: "admin" });
        const otherAdmin = await makeLoginUser(db, { establishmentId: other.id, role: "admin" });
        const parent = await makeUser(db, {
          establishmentId: school.id,
          role: "parent",
          name: "Parent Outbox",
        });
        const { id } = await makeConversation(db, {
          establishmentId: school.id,
          members: [admin.id, parent.id],
        });
        await sendAs(db, admin.id, id, "Les bulletins sont en ligne");
        await passDelay(clock, mail);
        const files = [];
        for await (const entry of Deno.readDir(`${dir}/outbox`)) {
          if (entry.name.endsWith(".eml")) files.push(entry.name);
        }
        const mine = [];
        for (const file of files) {
          const parsed = await simpleParser(Buffer.from(await Deno.readFile(`${dir}/outbox/${file}`)));
          if (mailsTo([parsed], parent.email).length) mine.push({ file, parsed });
        }
        assertEquals(mine.length, 1, "one .eml file for the parent");
        assertStringIncludes(mine[0]!.parsed.text ?? "", "Les bulletins sont en ligne");

        const cookie = await loginCookie(server.url, admin.email);
        const list = await fetch(`${server.url}/fr/admin/outbox?establishment=${school.id}`, {
          headers: { cookie },
        });
        const html = await list.text();
        assertEquals(list.status, 200);
        assertStringIncludes(html, parent.email);
        const mailId = /data-mail="([0-9a-f-]{36})"/.exec(html)?.[1];
        assert(mailId, "the page lists the mail");
        const detail = await fetch(`${server.url}/fr/admin/outbox/${mailId}?establishment=${school.id}`, {
          headers: { cookie },
        });
        const detailHtml = await detail.text();
        assertEquals(detail.status, 200);
        assertStringIncludes(detailHtml, "Les bulletins sont en ligne");
        assertStringIncludes(detailHtml, mine[0]!.file);
        const frame = await fetch(`${server.url}/fr/admin/outbox/${mailId}/html?establishment=${school.id}`, {
          headers: { cookie },
        });
        assertStringIncludes(await frame.text(), "Les bulletins sont en ligne");
        assertStringIncludes(frame.headers.get("content-security-policy") ?? "", "sandbox");

        const otherCookie = await loginCookie(server.url, otherAdmin.email);
        const foreign = await fetch(`${server.url}/fr/admin/outbox/${mailId}`, {
          headers: { cookie: otherCookie },
        });
        assertEquals(foreign.status, 404, "another establishment's admin cannot read it");
        await foreign.body?.cancel();
        const foreignList =
          await (await fetch(`${server.url}/fr/admin/outbox`, { headers: { cookie: otherCookie } })).text();
        assert(!foreignList.includes(parent.email), "nor see it listed");
      });
    } finally {
      await mail.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

dbTest("notifications page - both portals save the digest choice and hour", async (db) => {
  await withServer(db, async (server) => {
    const school = await makeEstablishment(db);
    const parent = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
    const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
    for (const [user, portal] of [[parent, "parents"], [teacher, "admin"]] as const) {
      const cookie = await loginCookie(server.url, user.email);
      const page = await fetch(`${server.url}/en/${portal}/notifications`, { headers: { cookie } });
      assertEquals(page.status, 200);
      assertStringIncludes(await page.text(), "Notification emails");
      const res = await fetch(`${server.url}/en/${portal}/notifications`, {
        method: "POST",
        headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
        body: "digest=daily&dailyHour=7",
      });
      assertEquals(res.status, 200);
      await res.body?.cancel();
      const pref = await getMailPreference(db, user.id);
      assertEquals([pref.digest, pref.dailyHour], ["daily", 7]);
    }
  });
});

dbTest(
  "staff email page - the form sends to a group and a searched person, and shows each status",
  async (db) => {
    await withMail(db, ({ smtp, mail }) =>
      withServer(db, { mail }, async (server) => {
        const school = await makeEstablishment(db);
        const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
        const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
        const student = await makeUser(db, {
          establishmentId: school.id,
          role: "student",
          name: "Zoé Élève",
        });
        // A teacher finds the pupils of their own classes (domain/permissions.ts).
        await makeSchoolClassWith(db, {
          establishmentId: school.id,
          teacherIds: [teacher.id],
          studentIds: [student.id],
        });
        const cookie = await loginCookie(server.url, teacher.email);
        const page = `${server.url}/fr/admin/emails?establishment=${school.id}`;
        const search = await (await fetch(`${page}&q=zoe`, { headers: { cookie } })).text();
        assertStringIncludes(search, `value="${student.id}"`);
        const form = new URLSearchParams({ subject: "Sortie", body: "Départ 8 h" });
        form.append("roles", "parent");
        form.append("recipientIds", student.id);
        const res = await fetch(page, {
          method: "POST",
          headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
          body: form,
        });
        assertEquals(res.status, 200);
        assertStringIncludes(await res.text(), "2 destinataires");
        await mail.deliver();
        assertEquals(mailsTo(smtp.received, parent.email).length, 1);
        assertEquals(mailsTo(smtp.received, student.email).length, 1);
        const after = await (await fetch(page, { headers: { cookie } })).text();
        assertEquals(after.match(/data-status="sent"/g)?.length, 2);
      }));
  },
);

dbTest(
  "mail API - preferences are validated, and only admins change the establishment's setting",
  async (db) => {
    await withServer(db, async (server) => {
      const school = await makeEstablishment(db);
      const admin = await makeLoginUser(db, { establishmentId: school.id, role: "admin" });
      const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
      const cookie = await loginCookie(server.url, teacher.email);
      assertEquals((await api(server.url, cookie, "/api/mail/preferences")).body, {
        digest: "soon",
        dailyHour: 18,
        timeZone: "Europe/Paris",
      });
      const put = (body: unknown) =>
        api(server.url, cookie, "/api/mail/preferences", { method: "PUT", body });
      assertEquals((await put({ digest: "daily", dailyHour: 7 })).body, {
        digest: "daily",
        dailyHour: 7,
        timeZone: "Europe/Paris",
      });
      for (const bad of [{ digest: "hourly" }, { dailyHour: 24 }, { timeZone: "Mars/Olympus" }]) {
        const res = await put(bad);
        assertEquals(res.status, 400, JSON.stringify(bad));
      }
      const setting = { establishmentId: school.id, hideMessageText: true };
      const refused = await api(server.url, cookie, "/api/mail/settings", { method: "PUT", body: setting });
      assertEquals(refused.status, 403);
      const adminCookie = await loginCookie(server.url, admin.email);
      const ok = await api(server.url, adminCookie, "/api/mail/settings", { method: "PUT", body: setting });
      assertEquals(ok.status, 204);
      const read = await api(server.url, cookie, `/api/mail/settings?establishmentId=${school.id}`);
      assertEquals(read.body, { hideMessageText: true });
      const outbox = await api(server.url, cookie, `/api/mail/outbox?establishmentId=${school.id}`);
      assertEquals(outbox.status, 403, "the outbox is for admins");
    });
  },
);
