/**
 * The admin panel's invitations page with the real SMTP server of the tests: an admin invites from the
 * form, sees the invitation pending, resends it (the old link stops working) and withdraws it; a refused
 * form says why and keeps what was typed; a teacher gets 404.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { mailsTo, withMail } from "./support/mail.ts";
import { withServer } from "./support/server.ts";
import { school } from "./support/realtime_fixtures.ts";
import type { TestSmtp } from "./support/smtp.ts";

sharesPglite();

function lastToken(smtp: TestSmtp, email: string): string {
  const mails = mailsTo(smtp.received, email);
  const token = /\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(mails.at(-1)?.text ?? "")?.[1];
  assert(token, `an invitation mail reached ${email}`);
  return token;
}

dbTest(
  "invitations page - an admin invites from the form, resends and withdraws; a teacher gets 404",
  async (db) => {
    await withMail(db, async ({ smtp, mail }) => {
      await withServer(db, { mail }, async (server) => {
        const { establishment, people: [admin, teacher] } = await school(db, server, ["admin", "teacher"]);
        const page = `${server.url}/fr/admin/invitations?establishment=${establishment.id}`;
        const post = async (cookie: string, fields: Record<string, string>) => {
          const res = await fetch(page, {
            method: "POST",
            headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(fields),
            redirect: "manual",
          });
          return { status: res.status, location: res.headers.get("location"), text: await res.text() };
        };
        const show = async (cookie: string) => {
          const res = await fetch(page, { headers: { cookie } });
          return { status: res.status, text: await res.text() };
        };
        const email = `famille-${crypto.randomUUID().slice(0, 8)}@invite.test`;

        const sent = await post(admin.cookie, {
          action: "invite",
          email,
          name: "Nora Famille",
          role: "parent",
        });
        assertEquals(sent.status, 303);
        assertStringIncludes(sent.location ?? "", "done=sent");
        await mail.deliver();
        await smtp.waitFor(1);
        const first = lastToken(smtp, email);
        const listed = await show(admin.cookie);
        assertEquals(listed.status, 200);
        assertStringIncludes(listed.text, `data-invitation="${email}"`);
        assertStringIncludes(listed.text, "Nora Famille");
        const id = /name="invitationId" value="([0-9a-f-]{36})"/.exec(listed.text)?.[1];
        assert(id, "the pending invitation has its resend and withdraw buttons");

        assertEquals((await post(admin.cookie, { action: "resend", invitationId: id })).status, 303);
        await mail.deliver();
        await smtp.waitFor(2);
        const second = lastToken(smtp, email);
        assert(second !== first, "a new link");
        assertEquals(
          await fetch(`${server.url}/fr/invitation?token=${first}`).then(async (r) => {
            await r.body?.cancel();
            return r.status;
          }),
          404,
          "the old link no longer works",
        );

        assertEquals((await post(admin.cookie, { action: "revoke", invitationId: id })).status, 303);
        const withdrawn = await fetch(`${server.url}/fr/invitation?token=${second}`);
        assertEquals(withdrawn.status, 410);
        await withdrawn.body?.cancel();
        assert(!(await show(admin.cookie)).text.includes(`data-invitation="${email}"`), "no longer pending");

        // A refusal names the field and keeps what was typed.
        const refused = await post(admin.cookie, {
          action: "invite",
          email: "pas-une-adresse",
          name: "X",
          role: "parent",
        });
        assertEquals(refused.status, 400);
        assertStringIncludes(refused.text, "email");
        assertStringIncludes(refused.text, 'value="pas-une-adresse"');

        // Not an admin there: the page does not exist for them, and nothing is sent.
        assertEquals((await show(teacher.cookie)).status, 404);
        const before = smtp.received.length;
        const sneaky = await post(teacher.cookie, {
          action: "invite",
          email: "x@invite.test",
          name: "X",
          role: "admin",
        });
        assertEquals(sneaky.status, 404);
        await mail.deliver();
        assertEquals(smtp.received.length, before);
      });
    });
  },
);
