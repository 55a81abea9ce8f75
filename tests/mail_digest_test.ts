/**
 * Missed-message digests against a real SMTP server (smtp-server, read with mailparser), on both
 * database backends, with a test clock instead of waiting ten minutes.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { mailsTo, type MailWorld, passDelay, sendAs, TEST_DELAY_MS, withMail } from "./support/mail.ts";
import { makeConversation, makeEstablishment, makeUser } from "../db/factories.ts";
import { markRead } from "../db/messages.ts";
import { setHideMessageText, setMailPreference } from "../db/mail_preferences.ts";
import { removeMembership } from "../db/users.ts";
import type { Database } from "../db/types.ts";

interface World extends MailWorld {
  school: { id: string; name: string };
  teacher: { id: string; name: string; email: string };
  parent: { id: string; name: string; email: string };
  conversationId: string;
}

async function withWorld(db: Database, fn: (w: World) => Promise<void>): Promise<void> {
  await withMail(db, async (mail) => {
    const school = await makeEstablishment(db);
    const teacher = await makeUser(db, { establishmentId: school.id, role: "teacher", name: "Marc Martin" });
    const parent = await makeUser(db, {
      establishmentId: school.id,
      role: "parent",
      name: "Hélène Dupont",
      locale: "en",
    });
    const { id: conversationId } = await makeConversation(db, {
      establishmentId: school.id,
      members: [teacher.id, parent.id],
    });
    await fn({ ...mail, school, teacher, parent, conversationId });
  });
}

dbTest(
  "digest - an offline recipient gets one digest after the delay, with a link to the conversation",
  async (db) => {
    await withWorld(db, async (w) => {
      await sendAs(db, w.teacher.id, w.conversationId, "Sortie au musée jeudi, pensez au pique-nique");
      await w.run();
      assertEquals(mailsTo(w.smtp.received, w.parent.email).length, 0, "nothing before the delay");
      await passDelay(w.clock, w.mail);
      const mails = mailsTo(w.smtp.received, w.parent.email);
      assertEquals(mails.length, 1);
      const digest = mails[0]!;
      assertStringIncludes(digest.subject ?? "", "1 unread message");
      assertStringIncludes(digest.text ?? "", "Marc Martin");
      assertStringIncludes(digest.text ?? "", "Sortie au musée jeudi");
      assertStringIncludes(digest.text ?? "", `http://preau.test/en/parents/messagerie/${w.conversationId}`);
      assertStringIncludes(String(digest.html), `/en/parents/messagerie/${w.conversationId}`);
      assert(digest.messageId?.startsWith("<digest."), "a stable Message-ID");
      assertEquals(mailsTo(w.smtp.received, w.teacher.email).length, 0, "the sender gets nothing");
      w.clock.advance(TEST_DELAY_MS);
      await w.run();
      assertEquals(
        mailsTo(w.smtp.received, w.parent.email).length,
        1,
        "the same messages are never announced twice",
      );
    });
  },
);

dbTest("digest - a recipient who read before the delay gets none", async (db) => {
  await withWorld(db, async (w) => {
    const message = await sendAs(db, w.teacher.id, w.conversationId, "Réunion demain");
    await markRead(db, w.conversationId, w.parent.id, message.seq);
    await passDelay(w.clock, w.mail);
    assertEquals(mailsTo(w.smtp.received, w.parent.email).length, 0);
  });
});

dbTest("digest - ten messages give one digest counting ten", async (db) => {
  await withWorld(db, async (w) => {
    for (let i = 1; i <= 10; i++) await sendAs(db, w.teacher.id, w.conversationId, `Message ${i}`);
    await passDelay(w.clock, w.mail);
    await w.run();
    const mails = mailsTo(w.smtp.received, w.parent.email);
    assertEquals(mails.length, 1);
    assertStringIncludes(mails[0]!.subject ?? "", "10 unread messages");
    assertStringIncludes(mails[0]!.text ?? "", "Message 10");
  });
});

dbTest("digest - further messages wait until the recipient has read the last digest", async (db) => {
  await withWorld(db, async (w) => {
    await sendAs(db, w.teacher.id, w.conversationId, "Premier");
    await passDelay(w.clock, w.mail);
    const second = await sendAs(db, w.teacher.id, w.conversationId, "Deuxième");
    await passDelay(w.clock, w.mail);
    assertEquals(mailsTo(w.smtp.received, w.parent.email).length, 1, "no new digest while unread");
    await markRead(db, w.conversationId, w.parent.id, second.seq);
    await sendAs(db, w.teacher.id, w.conversationId, "Troisième");
    await passDelay(w.clock, w.mail);
    const mails = mailsTo(w.smtp.received, w.parent.email);
    assertEquals(mails.length, 2, "a new digest once they have read");
    assertStringIncludes(mails[1]!.text ?? "", "Troisième");
  });
});

dbTest("digest - the daily preference sends one digest after the chosen hour, none before", async (db) => {
  await withWorld(db, async (w) => {
    const hour = (w.clock.now().getUTCHours() + 2) % 24;
    await setMailPreference(db, w.parent.id, { digest: "daily", dailyHour: hour, timeZone: "UTC" });
    await sendAs(db, w.teacher.id, w.conversationId, "Pour demain");
    await passDelay(w.clock, w.mail);
    assertEquals(mailsTo(w.smtp.received, w.parent.email).length, 0, "not before the hour");
    w.clock.advance(2 * 3_600_000);
    await w.run();
    await w.run();
    assertEquals(mailsTo(w.smtp.received, w.parent.email).length, 1, "one at the hour");
  });
});

dbTest("digest - the none preference sends nothing", async (db) => {
  await withWorld(db, async (w) => {
    await setMailPreference(db, w.parent.id, { digest: "none", dailyHour: 18, timeZone: "UTC" });
    await sendAs(db, w.teacher.id, w.conversationId, "Info");
    w.clock.advance(25 * 3_600_000);
    await w.run();
    assertEquals(mailsTo(w.smtp.received, w.parent.email).length, 0);
  });
});

dbTest("digest - the establishment's 'no message text in emails' leaves previews out", async (db) => {
  await withWorld(db, async (w) => {
    await setHideMessageText(db, w.school.id, true);
    await sendAs(db, w.teacher.id, w.conversationId, "Confidentiel : résultats de Léa");
    await passDelay(w.clock, w.mail);
    const [digest] = mailsTo(w.smtp.received, w.parent.email);
    assert(digest, "a digest arrived");
    assertStringIncludes(digest.text ?? "", "Marc Martin");
    assert(!(digest.text ?? "").includes("Confidentiel"), digest.text);
    assert(!String(digest.html).includes("Confidentiel"), "no preview in the HTML either");
    assertStringIncludes(digest.text ?? "", "does not include message text");
  });
});

dbTest("digest - someone who left the establishment gets nothing from its conversations", async (db) => {
  await withWorld(db, async (w) => {
    await sendAs(db, w.teacher.id, w.conversationId, "Message après le départ");
    await removeMembership(db, w.parent.id, w.school.id);
    await passDelay(w.clock, w.mail);
    assertEquals(mailsTo(w.smtp.received, w.parent.email).length, 0);
  });
});
