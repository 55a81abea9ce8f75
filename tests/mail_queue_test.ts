/**
 * The durable mail queue against a real SMTP server, on both backends: a server refusing for a while,
 * a restart while mails wait, giving up after a day, an abandoned claim, and two instances at once.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { startTestSmtp } from "./support/smtp.ts";
import { mailsTo, sendAs, TEST_DELAY_MS, testClock, testMailService, withMail } from "./support/mail.ts";
import { makeConversation, makeEstablishment, makeUser } from "../db/factories.ts";
import { claimDueMails, enqueueMails, listEstablishmentMails, type NewMail } from "../db/mail_queue.ts";
import type { Database } from "../db/types.ts";

async function queueSome(
  db: Database,
  count: number,
  now: Date,
): Promise<{ establishmentId: string; mails: NewMail[] }> {
  const school = await makeEstablishment(db);
  const mails: NewMail[] = [];
  for (let i = 0; i < count; i++) {
    const user = await makeUser(db, { establishmentId: school.id, role: "parent" });
    mails.push({
      establishmentId: school.id,
      recipientId: user.id,
      kind: "staff",
      messageId: `<queue-test.${crypto.randomUUID()}@school.test>`,
      toAddress: user.email,
      toName: user.name,
      subject: `Mail ${i}`,
      text: `Body ${i}`,
      html: `<p>Body ${i}</p>`,
    });
  }
  await db.transaction((tx) => enqueueMails(tx, mails, now));
  return { establishmentId: school.id, mails };
}

dbTest(
  "queue - a server refusing for a while, then accepting, gets each mail exactly once across a restart",
  async (db) => {
    const smtp = await startTestSmtp();
    const clock = testClock();
    try {
      const { mails } = await queueSome(db, 3, clock.now());
      smtp.refuse = "451 4.3.0 mailbox busy, try later";
      const first = testMailService(db, { clock, smtpUrl: smtp.url });
      const refused = await first.deliver();
      assertEquals(refused, { sent: 0, retried: 3, failed: 0 });
      await first.close(); // the restart: a new instance over the same database
      const second = testMailService(db, { clock, smtpUrl: smtp.url });
      try {
        assertEquals((await second.deliver()).sent, 0, "retries wait for their backoff");
        smtp.refuse = null;
        clock.advance(60 * 60_000);
        await second.deliver();
        await second.deliver();
        for (const mail of mails) {
          const got = mailsTo(smtp.received, mail.toAddress);
          assertEquals(got.length, 1, `${mail.toAddress} gets its mail once`);
          assertEquals(got[0]!.messageId, mail.messageId);
        }
        assert(smtp.refused >= 3);
      } finally {
        await second.close();
      }
    } finally {
      await smtp.close();
    }
  },
);

dbTest("queue - after about a day of refusals a mail is failed with the server's last answer", async (db) => {
  await withMail(db, async ({ smtp, clock, mail }) => {
    const { establishmentId } = await queueSome(db, 1, clock.now());
    smtp.refuse = "451 4.7.1 greylisted";
    await mail.deliver();
    clock.advance(25 * 3_600_000);
    assertEquals((await mail.deliver()).failed, 1);
    const [row] = await listEstablishmentMails(db, establishmentId);
    assertEquals(row?.status, "failed");
    assertStringIncludes(row?.lastError ?? "", "greylisted");
    assertEquals(smtp.received.length, 0);
  });
});

dbTest(
  "queue - a mail claimed by a worker that died is sent once its lease expires, same Message-ID",
  async (db) => {
    await withMail(db, async ({ smtp, clock, mail }) => {
      const { mails } = await queueSome(db, 1, clock.now());
      const claimed = await claimDueMails(db, { now: clock.now(), limit: 1000, leaseMs: 120_000 });
      assert(claimed.some((m) => m.messageId === mails[0]!.messageId), "the dead worker held it");
      await mail.deliver();
      assertEquals(mailsTo(smtp.received, mails[0]!.toAddress).length, 0, "not while the lease holds");
      clock.advance(121_000);
      await mail.deliver();
      const got = mailsTo(smtp.received, mails[0]!.toAddress);
      assertEquals(got.length, 1);
      assertEquals(got[0]!.messageId, mails[0]!.messageId);
    });
  },
);

dbTest("queue - two instances running the scheduler and the worker send each digest once", async (db) => {
  const smtp = await startTestSmtp();
  const clock = testClock();
  const a = testMailService(db, { clock, smtpUrl: smtp.url, digestBatch: 7 });
  const b = testMailService(db, { clock, smtpUrl: smtp.url, digestBatch: 7 });
  try {
    const school = await makeEstablishment(db);
    const teacher = await makeUser(db, { establishmentId: school.id, role: "teacher" });
    const parents = [];
    for (let i = 0; i < 25; i++) {
      const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
      const { id } = await makeConversation(db, {
        establishmentId: school.id,
        members: [teacher.id, parent.id],
      });
      await sendAs(db, teacher.id, id, `Bonjour ${i}`);
      parents.push(parent);
    }
    clock.advance(TEST_DELAY_MS + 1_000);
    for (let round = 0; round < 3; round++) {
      await Promise.all([a.digestPass(), b.digestPass(), a.deliver(), b.deliver()]);
    }
    await Promise.all([a.deliver(), b.deliver()]);
    for (const parent of parents) assertEquals(mailsTo(smtp.received, parent.email).length, 1, parent.email);
  } finally {
    await a.close();
    await b.close();
    await smtp.close();
  }
});
