/**
 * Invitations end to end with the real SMTP server of the tests: an admin invites a teacher and a parent,
 * both accept from the mail's link (one through the API, one through the page), sign in and exchange a
 * message; expired, withdrawn, replaced and reused links are refused with a page that says why; only the
 * establishment's admins can invite; an existing account accepts once signed in.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { mailsTo, withMail } from "./support/mail.ts";
import { api, loginCookie, makeLoginUser, withServer } from "./support/server.ts";
import { school, sendAndAck } from "./support/realtime_fixtures.ts";
import { WsClient } from "./support/ws_client.ts";
import { makeEstablishment, makeSchoolClassWith } from "../db/factories.ts";
import { listAudit } from "../db/audit.ts";
import type { TestSmtp } from "./support/smtp.ts";
import type { Database } from "../db/types.ts";

sharesPglite();

const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

/** The token of the last invitation mail to `email`. */
function invitationToken(smtp: TestSmtp, email: string): string {
  const mails = mailsTo(smtp.received, email);
  const text = mails[mails.length - 1]?.text ?? "";
  const token = /\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(text)?.[1];
  assert(token, `an invitation mail with a link reached ${email}`);
  return token;
}

async function adminSchool(db: Database, server: { url: string } & Parameters<typeof school>[1]) {
  const { establishment, people: [admin] } = await school(db, server, ["admin"]);
  const inviteAs = (cookie: string, body: Record<string, unknown>) =>
    api(server.url, cookie, "/api/admin/invitations", {
      method: "POST",
      headers: { origin: server.url },
      body: { establishmentId: establishment.id, ...body },
    });
  return {
    establishment,
    admin,
    invite: (body: Record<string, unknown>) => inviteAs(admin.cookie, body),
    inviteAs,
  };
}

dbTest(
  "invitations - an admin invites a teacher and a parent; both accept from the mail's link, sign in and exchange messages",
  async (db) => {
    await withMail(db, async ({ smtp, mail }) => {
      await withServer(db, { mail }, async (server) => {
        const { establishment, admin, invite } = await adminSchool(db, server);
        const tag = crypto.randomUUID().slice(0, 8);
        const teacherEmail = `prof-${tag}@invite.test`;
        const parentEmail = `parent-${tag}@invite.test`;
        const t = await invite({ email: teacherEmail, name: "Hélène Prof", role: "teacher", locale: "en" });
        assertEquals(t.status, 201);
        assertEquals((t.body as { invitation: { role: string } }).invitation.role, "teacher");
        assertEquals((await invite({ email: parentEmail, name: "Paul Parent", role: "parent" })).status, 201);
        await mail.deliver();
        await smtp.waitFor(2);
        const [teacherMail] = mailsTo(smtp.received, teacherEmail);
        assertEquals(teacherMail?.subject, `Invitation to Préau – ${establishment.name}`);

        // The teacher through the API: the answer carries the session cookie.
        const teacherToken = invitationToken(smtp, teacherEmail);
        const accepted = await fetch(`${server.url}/api/invitations/accept`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: teacherToken, password: "teacher password 1", locale: "en" }),
        });
        assertEquals(accepted.status, 200);
        assertEquals((await accepted.json()).role, "teacher");
        const teacherCookie = accepted.headers.getSetCookie().find((c) => c.startsWith("preau_session="))
          ?.split(";")[0];
        assert(teacherCookie, "the acceptance signs the teacher in");
        const me = await api(server.url, teacherCookie, "/api/me");
        assertEquals((me.body as { user: { locale: string } }).user.locale, "en");

        // The parent through the page, as the browser posts its form.
        const parentToken = invitationToken(smtp, parentEmail);
        const pageUrl = `${server.url}/fr/invitation?token=${parentToken}`;
        const page = await fetch(pageUrl);
        assertEquals(page.status, 200);
        assertStringIncludes(await page.text(), "Paul Parent");
        const posted = await fetch(pageUrl, {
          method: "POST",
          headers: { origin: server.url, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ password: "parent password 1", locale: "fr" }),
          redirect: "manual",
        });
        await posted.body?.cancel();
        assertEquals([posted.status, posted.headers.get("location")], [303, "/fr"]);

        // Both sign in with their passwords and exchange a message.
        const teacherLogin = await loginCookie(server.url, teacherEmail, "teacher password 1");
        const parentLogin = await loginCookie(server.url, parentEmail, "parent password 1");
        const parentMe = await api(server.url, parentLogin, "/api/me");
        const parentId = (parentMe.body as { user: { id: string } }).user.id;
        const teacherId =
          ((await api(server.url, teacherLogin, "/api/me")).body as { user: { id: string } }).user.id;
        await makeSchoolClassWith(db, {
          establishmentId: establishment.id,
          teacherIds: [teacherId],
          parentIds: [parentId],
        });
        const created = await api(server.url, teacherLogin, "/api/conversations", {
          method: "POST",
          headers: { origin: server.url },
          body: { establishmentId: establishment.id, participantIds: [parentId] },
        });
        assertEquals(created.status, 201);
        const conversationId = (created.body as { conversation: { id: string } }).conversation.id;
        const teacherWs = await WsClient.connect(server.url, { cookie: teacherLogin, origin: server.url });
        const parentWs = await WsClient.connect(server.url, { cookie: parentLogin, origin: server.url });
        try {
          await Promise.all([teacherWs.nextOfType("hello"), parentWs.nextOfType("hello")]);
          await sendAndAck(teacherWs, conversationId, "Bienvenue dans la classe !");
          const received = await parentWs.nextOfType("message");
          assertEquals((received.message as { body: string }).body, "Bienvenue dans la classe !");
          await sendAndAck(parentWs, conversationId, "Merci !");
          assertEquals(((await teacherWs.nextOfType("message")).message as { body: string }).body, "Merci !");
        } finally {
          await Promise.all([teacherWs.close(), parentWs.close()]);
        }

        // A used link is refused, with a page saying so.
        const reused = await api(server.url, undefined, "/api/invitations/accept", {
          method: "POST",
          body: { token: teacherToken, password: "another password 1" },
        });
        assertEquals([reused.status, errorOf(reused.body).code], [410, "gone"]);
        const usedPage = await fetch(`${server.url}/fr/invitation?token=${teacherToken}`);
        assertEquals(usedPage.status, 410);
        assertStringIncludes(await usedPage.text(), "déjà été acceptée");

        const actions = (await listAudit(db, { establishmentId: establishment.id })).map((
          e,
        ) => [e.action, e.actorId]);
        assertEquals(actions.filter(([a]) => a === "invitation.create").length, 2);
        assertEquals(actions.filter(([a]) => a === "invitation.accept").length, 2);
        assert(actions.some(([a, actor]) => a === "invitation.create" && actor === admin.user.id));
      });
    });
  },
);

dbTest("invitations - expired, replaced and withdrawn links get a page that says why", async (db) => {
  await withMail(db, async ({ smtp, mail }) => {
    await withServer(db, { mail }, async (server) => {
      const { establishment, admin, invite } = await adminSchool(db, server);
      const email = `late-${crypto.randomUUID().slice(0, 8)}@invite.test`;
      const created = await invite({ email, name: "Léa Retard", role: "parent" });
      const id = (created.body as { invitation: { id: string } }).invitation.id;
      await mail.deliver();
      await smtp.waitFor(1);
      const first = invitationToken(smtp, email);
      await db.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
      const expiredPage = await fetch(`${server.url}/fr/invitation?token=${first}`);
      assertEquals(expiredPage.status, 410);
      assertStringIncludes(await expiredPage.text(), "a expiré");
      const expiredApi = await api(server.url, undefined, "/api/invitations/accept", {
        method: "POST",
        body: { token: first, password: "a long password 1" },
      });
      assertEquals(expiredApi.status, 410);
      assertMatch(errorOf(expiredApi.body).message, /expired/);

      const action = (verb: string) =>
        api(server.url, admin.cookie, `/api/admin/invitations/${id}/${verb}`, {
          method: "POST",
          headers: { origin: server.url },
          body: { establishmentId: establishment.id },
        });
      assertEquals((await action("resend")).status, 200);
      await mail.deliver();
      await smtp.waitFor(2);
      const second = invitationToken(smtp, email);
      assert(second !== first);
      assertEquals(
        (await fetch(`${server.url}/fr/invitation?token=${first}`)).status,
        404,
        "the old link is void",
      );
      const listed = await api(
        server.url,
        admin.cookie,
        `/api/admin/invitations?establishmentId=${establishment.id}`,
      );
      assertEquals((listed.body as { invitations: { id: string }[] }).invitations.map((i) => i.id), [id]);

      assertEquals((await action("revoke")).status, 204);
      const revokedPage = await fetch(`${server.url}/en/invitation?token=${second}`);
      assertEquals(revokedPage.status, 410);
      assertStringIncludes(await revokedPage.text(), "was withdrawn");
      assertEquals((await action("revoke")).status, 410, "revoking twice says it is closed");
      const unknown = await fetch(`${server.url}/fr/invitation?token=${"x".repeat(43)}`);
      assertEquals(unknown.status, 404);
      assertStringIncludes(await unknown.text(), "Aucune invitation");
    });
  });
});

dbTest("invitations - only the establishment's admins invite; bad bodies name the field", async (db) => {
  await withMail(db, async ({ smtp, mail }) => {
    await withServer(db, { mail }, async (server) => {
      const { establishment, invite, inviteAs } = await adminSchool(db, server);
      const teacher = await makeLoginUser(db, { establishmentId: establishment.id, role: "teacher" });
      const teacherCookie = await loginCookie(server.url, teacher.email);
      const other = await makeEstablishment(db);
      const outsider = await makeLoginUser(db, { establishmentId: other.id, role: "admin" });
      const outsiderCookie = await loginCookie(server.url, outsider.email);
      const body = { email: "someone@invite.test", name: "Quelqu'un", role: "parent" };
      assertEquals((await inviteAs(teacherCookie, body)).status, 403);
      assertEquals((await inviteAs(outsiderCookie, body)).status, 404);
      for (
        const [field, value] of [["role", "director"], ["email", "nope"], ["name", ""], [
          "locale",
          "de",
        ]] as const
      ) {
        const res = await invite({ ...body, [field]: value });
        assertEquals(res.status, 400, field);
        assertMatch(errorOf(res.body).message, new RegExp(`^${field}: `));
      }
      const member = await invite({ ...body, email: teacher.email });
      assertEquals(member.status, 400);
      assertMatch(errorOf(member.body).message, /already a member/);
      assertEquals(await listAudit(db, { establishmentId: establishment.id }), []);
      await mail.deliver();
      assertEquals(smtp.received.length, 0, "no mail left");

      // Someone who already has an account (in another school) accepts once signed in.
      const invited = await invite({ ...body, email: outsider.email, role: "teacher" });
      assertEquals(invited.status, 201);
      await mail.deliver();
      await smtp.waitFor(1);
      const token = invitationToken(smtp, outsider.email);
      const anonymous = await api(server.url, undefined, "/api/invitations/accept", {
        method: "POST",
        body: { token },
      });
      assertEquals(anonymous.status, 401);
      assertMatch(errorOf(anonymous.body).message, /sign in/);
      const wrong = await api(server.url, teacherCookie, "/api/invitations/accept", {
        method: "POST",
        body: { token },
      });
      assertEquals(wrong.status, 403);
      const ok = await api(server.url, outsiderCookie, "/api/invitations/accept", {
        method: "POST",
        headers: { origin: server.url },
        body: { token },
      });
      assertEquals(ok.status, 200);
      const me = await api(server.url, outsiderCookie, "/api/me");
      const roles = (me.body as { memberships: { establishmentId: string; role: string }[] }).memberships;
      assertEquals(roles.find((m) => m.establishmentId === establishment.id)?.role, "teacher");
    });
  });
});
