/**
 * The digest's link in real Chromium: a parent who missed a message gets a digest from the real SMTP
 * server; following its link (signed out) leads through the login page straight into the conversation.
 * PostgreSQL only, like the other browser tests.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { ignoreWithoutBrowser, launchBrowser, signInPage } from "./support/browser.ts";
import { startTestSmtp } from "./support/smtp.ts";
import { mailsTo, passDelay, sendAs, testClock, testMailService } from "./support/mail.ts";
import { makeLoginUser, TEST_PASSWORD, withServer } from "./support/server.ts";
import { makeConversation, makeEstablishment } from "../db/factories.ts";

dbTest("browser - the digest's link opens the conversation after login", async (db) => {
  const smtp = await startTestSmtp();
  const clock = testClock();
  const mail = testMailService(db, { clock, smtpUrl: smtp.url });
  const browser = await launchBrowser();
  try {
    await withServer(db, { mail }, async (server) => {
      const school = await makeEstablishment(db);
      const teacher = await makeLoginUser(db, {
        establishmentId: school.id,
        role: "teacher",
        name: "Marc Martin",
      });
      const parent = await makeLoginUser(db, {
        establishmentId: school.id,
        role: "parent",
        name: "Karim Durand",
      });
      const { id } = await makeConversation(db, {
        establishmentId: school.id,
        members: [teacher.id, parent.id],
      });
      await sendAs(db, teacher.id, id, "Karim, pouvez-vous passer à l'école ?");
      await passDelay(clock, mail);
      const [digest] = mailsTo(smtp.received, parent.email);
      assert(digest, "the parent got a digest");
      const href = /href="(http:\/\/preau\.test\/fr\/parents\/messagerie\/[^"]+)"/.exec(String(digest.html))
        ?.[1];
      assert(href, "the HTML digest links to the conversation");
      const path = new URL(href).pathname;
      assertEquals(path, `/fr/parents/messagerie/${id}`);

      const { page, context, errors } = await signInPage(browser, server.url, parent.email, TEST_PASSWORD, {
        next: path,
      });
      try {
        assertEquals(new URL(page.url()).pathname, path);
        await page.locator("[data-history] [data-body]", { hasText: "pouvez-vous passer" }).waitFor();
        assertEquals(errors, []);
      } finally {
        await context.close();
      }
    });
  } finally {
    await browser.close();
    await mail.close();
    await smtp.close();
  }
}, { kinds: ["postgres"], ignore: ignoreWithoutBrowser() });
