/**
 * "Mot de passe oublié" end to end, with the real SMTP server of the tests: the mailed link sets a new
 * password once, ends every session (their sockets close with 4401), and an unknown address gets the
 * same answer and no mail; requests are limited per email and per client address. The browser walk
 * starts from the login page's link (PostgreSQL only, like the other browser tests).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import {
  BROWSER_TIMEOUT,
  collectPageErrors,
  ignoreWithoutBrowser,
  launchBrowser,
} from "./support/browser.ts";
import { mailsTo, withMail } from "./support/mail.ts";
import { api, loginCookie, makeLoginUser, TEST_PASSWORD, withServer } from "./support/server.ts";
import { WsClient } from "./support/ws_client.ts";
import { makeEstablishment } from "../db/factories.ts";
import type { TestSmtp } from "./support/smtp.ts";

sharesPglite();

const NEW_PASSWORD = "a brand new passphrase";

/** The token of the reset link in the last mail to `email` (text and HTML carry the same link). */
function resetToken(smtp: TestSmtp, email: string): string {
  const mails = mailsTo(smtp.received, email);
  const mail = mails[mails.length - 1];
  assert(mail, `a reset mail reached ${email}`);
  const match = /\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? "");
  assert(match, "the mail carries the reset link");
  assertStringIncludes(String(mail.html), `reset-password?token=${match[1]}`);
  return match[1]!;
}

dbTest(
  "password reset - the mailed link sets a new password once and ends every session, closing their sockets with 4401",
  async (db) => {
    await withMail(db, async ({ smtp, mail }) => {
      await withServer(db, { mail }, async (server) => {
        const school = await makeEstablishment(db);
        const parent = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
        const cookies = [
          await loginCookie(server.url, parent.email),
          await loginCookie(server.url, parent.email),
        ];
        const sockets = await Promise.all(
          cookies.map((cookie) => WsClient.connect(server.url, { cookie, origin: server.url })),
        );
        await Promise.all(sockets.map((s) => s.nextOfType("hello")));

        const asked = await api(server.url, undefined, "/api/auth/password-reset", {
          method: "POST",
          body: { email: parent.email.toUpperCase() },
        });
        assertEquals(asked.status, 202);
        await mail.deliver();
        await smtp.waitFor(1);
        const token = resetToken(smtp, parent.email);
        const [received] = mailsTo(smtp.received, parent.email);
        assertEquals(received?.subject, "Choisir un nouveau mot de passe Préau");

        const page = await fetch(`${server.url}/fr/reset-password?token=${token}`);
        assertEquals(page.status, 200);
        assertStringIncludes(await page.text(), 'autocomplete="new-password"');
        const complete = (password: string) =>
          api(server.url, undefined, "/api/auth/password-reset/complete", {
            method: "POST",
            body: { token, password },
          });
        const short = await complete("too short");
        assertEquals(short.status, 400);
        assertMatch((short.body as { error: { message: string } }).error.message, /^password: /);
        assertEquals((await complete(NEW_PASSWORD)).status, 204);

        for (const socket of sockets) assertEquals((await socket.waitClosed(5_000)).code, 4401);
        for (const cookie of cookies) assertEquals((await api(server.url, cookie, "/api/me")).status, 401);
        const oldLogin = await api(server.url, undefined, "/api/auth/login", {
          method: "POST",
          body: { email: parent.email, password: TEST_PASSWORD },
        });
        assertEquals(oldLogin.status, 401);
        await loginCookie(server.url, parent.email, NEW_PASSWORD);

        const reused = await complete("yet another long password");
        assertEquals((reused.body as { error: { code: string } }).error.code, "gone");
        assertEquals(reused.status, 410);
        const usedPage = await fetch(`${server.url}/en/reset-password?token=${token}`);
        assertEquals(usedPage.status, 410);
        assertStringIncludes(await usedPage.text(), "Ask for a new link");
      });
    });
  },
);

dbTest("password reset - an unknown email gets the same answer as a known one, and no mail", async (db) => {
  await withMail(db, async ({ smtp, mail }) => {
    await withServer(db, { mail }, async (server) => {
      const school = await makeEstablishment(db);
      const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
      const ask = (email: string) =>
        api(server.url, undefined, "/api/auth/password-reset", { method: "POST", body: { email } });
      const known = await ask(teacher.email);
      const unknown = await ask(`nobody-${crypto.randomUUID()}@example.test`);
      assertEquals([unknown.status, unknown.body], [known.status, known.body]);
      await mail.deliver();
      await smtp.waitFor(1);
      assertEquals(smtp.received.length, 1, "only the known address got a mail");
      assertEquals(mailsTo(smtp.received, teacher.email).length, 1);

      const invalid = await ask("not an address");
      assertEquals(invalid.status, 400);
      assertMatch((invalid.body as { error: { message: string } }).error.message, /^email: /);
    });
  });
});

dbTest(
  "password reset - requests are limited per email (known or not) and per client address",
  async (db) => {
    await withMail(db, async ({ mail }) => {
      await withServer(db, { mail }, async (server) => {
        const ask = (email: string) =>
          api(server.url, undefined, "/api/auth/password-reset", { method: "POST", body: { email } });
        const email = `limited-${crypto.randomUUID()}@example.test`;
        for (let i = 0; i < 3; i++) assertEquals((await ask(email)).status, 202);
        const limited = await ask(email.toUpperCase());
        assertEquals(limited.status, 429);
        assert(Number(limited.headers.get("retry-after")) > 0, "429 says when to retry");
      });
      // The limits live in the database: a client address of its own, behind a trusted proxy.
      await withServer(db, { mail, trustedProxies: "127.0.0.1" }, async (server) => {
        const address = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
        const ask = (email: string) =>
          api(server.url, undefined, "/api/auth/password-reset", {
            method: "POST",
            body: { email },
            headers: { "x-forwarded-for": address },
          });
        for (let i = 0; i < 20; i++) {
          assertEquals((await ask(`spray-${i}-${crypto.randomUUID()}@example.test`)).status, 202);
        }
        assertEquals((await ask(`fresh-${crypto.randomUUID()}@example.test`)).status, 429);
      });
    });
  },
);

dbTest(
  "password reset - in Chromium, from the login page's link to signing in with the new password",
  async (db) => {
    const browser = await launchBrowser();
    try {
      await withMail(db, async ({ smtp, mail }) => {
        await withServer(db, { mail }, async (server) => {
          const school = await makeEstablishment(db);
          const parent = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
          const context = await browser.newContext({ locale: "fr-FR" });
          context.setDefaultTimeout(BROWSER_TIMEOUT);
          try {
            const page = await context.newPage();
            const errors = collectPageErrors(page);
            await page.goto(`${server.url}/fr/login`);
            await page.getByRole("link", { name: "Mot de passe oublié ?" }).click();
            await page.waitForURL(/\/fr\/forgot-password/);
            await page.fill("#email", parent.email);
            await page.click("button[type=submit]");
            await page.locator("[data-reset-requested]").waitFor();
            await mail.deliver();
            await smtp.waitFor(1);
            const token = resetToken(smtp, parent.email);
            await page.goto(`${server.url}/fr/reset-password?token=${token}`);
            await page.fill("#password", NEW_PASSWORD);
            await Promise.all([
              page.waitForURL(/\/fr\/login\?reset=done/),
              page.click("button[type=submit]"),
            ]);
            await page.getByText("Votre mot de passe a été changé").waitFor();
            await page.fill("#email", parent.email);
            await page.fill("#password", NEW_PASSWORD);
            await Promise.all([page.waitForURL(/\/messagerie/), page.click("button[type=submit]")]);
            assertEquals(errors, []);
          } finally {
            await context.close();
          }
        });
      });
    } finally {
      await browser.close();
    }
  },
  { kinds: ["postgres"], ignore: ignoreWithoutBrowser() },
);
