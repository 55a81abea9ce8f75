/**
 * Issue 12's class rules and messaging settings end to end: recipient search by class, the "families may
 * not send" switch reaching live sockets on two instances (WebSocket frames and real Chromium), the
 * availability hours in the composer and in the teacher's digests (real SMTP server, test clock).
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { ignoreWithoutBrowser, launchBrowser, signInPage } from "./support/browser.ts";
import { mailsTo, passDelay, sendAs, withMail } from "./support/mail.ts";
import {
  clusterTest,
  connect,
  POSTGRES_TIERS,
  postgresOnly,
  school,
  sendAndAck,
  withCluster,
} from "./support/realtime_fixtures.ts";
import { loginCookie, makeLoginUser, TEST_PASSWORD, type TestServer, withServer } from "./support/server.ts";
import {
  assignTeacherToSchoolClass,
  createPupilInClass,
  createSchoolClass,
  linkGuardianToPupil,
  makeConversation,
  makeEstablishment,
  makeUser,
} from "../db/factories.ts";
import { setStaffHours } from "../db/establishment_settings.ts";
import { listAudit } from "../db/audit.ts";
import { EventHub } from "../domain/events.ts";
import { createMessaging } from "../domain/messaging.ts";
import { translator } from "../i18n/mod.ts";
import { formatAvailability } from "../i18n/hours.ts";
import { DEFAULT_HOURS, localWeekMinute } from "../util/hours.ts";

const fr = translator("fr");

dbTest(
  "recipients - a parent finds the teachers of their child's class, grouped by child and class, and not another teacher nor another parent",
  async (db) => {
    const messaging = createMessaging(db, new EventHub());
    const est = await makeEstablishment(db);
    const token = crypto.randomUUID().slice(0, 6);
    const person = (role: "teacher" | "parent" | "admin", name: string) =>
      makeUser(db, { establishmentId: est.id, role, name: `${name} ${token}` });
    const [marc, sophie, other, parent, otherParent, admin] = [
      await person("teacher", "Marc Martin"),
      await person("teacher", "Sophie Bernard"),
      await person("teacher", "Paul Durand"),
      await person("parent", "Hélène Dupont"),
      await person("parent", "Karim Benali"),
      await person("admin", "Anne Directrice"),
    ];
    const cm2 = await createSchoolClass(db, { establishmentId: est.id, name: `CM2 A ${token}` });
    const cm1 = await createSchoolClass(db, { establishmentId: est.id, name: `CM1 B ${token}` });
    await assignTeacherToSchoolClass(db, { classId: cm2.id, teacherId: marc.id });
    await assignTeacherToSchoolClass(db, { classId: cm2.id, teacherId: sophie.id, subject: "Anglais" });
    await assignTeacherToSchoolClass(db, { classId: cm1.id, teacherId: other.id });
    const lea = await createPupilInClass(db, { establishmentId: est.id, classId: cm2.id, name: "Léa" });
    await linkGuardianToPupil(db, { pupilId: lea.id, guardianId: parent.id });
    // Another parent of the same class: still not offered by default.
    const tom = await createPupilInClass(db, { establishmentId: est.id, classId: cm2.id, name: "Tom" });
    await linkGuardianToPupil(db, { pupilId: tom.id, guardianId: otherParent.id });

    const found = await messaging.searchRecipients(parent.id, est.id, token);
    // In name order; the search box shows them under "Léa — CM2 A" and "Établissement".
    assertEquals(found.map((r) => [r.name, r.group]), [
      [admin.name, null],
      [marc.name, `Léa — ${cm2.name}`],
      [sophie.name, `Léa — ${cm2.name}`],
    ]);
    const ids = new Set(found.map((r) => r.id));
    assert(
      !ids.has(other.id) && !ids.has(otherParent.id),
      "another class's teacher and another parent are not offered",
    );
    // The teacher sees the parent through the child.
    const byMarc = await messaging.searchRecipients(marc.id, est.id, "Dupont");
    assertEquals(byMarc.map((r) => [r.id, r.group]), [[parent.id, `Léa — ${cm2.name}`]]);
  },
);

/** Posts the admin settings form of `establishmentId` to `server` as the admin whose cookie is given. */
async function postSettings(
  server: TestServer,
  cookie: string,
  establishmentId: string,
  fields: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const body = new URLSearchParams({
    action: "settings",
    opens: "07:30",
    closes: "19:00",
    timeZone: "Europe/Paris",
    ...fields,
  });
  for (const day of ["0", "1", "2", "3", "4"]) body.append("day", day);
  const res = await fetch(`${server.url}/fr/admin/settings?establishment=${establishmentId}`, {
    method: "POST",
    headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  return { status: res.status, text: await res.text() };
}

clusterTest(
  "settings - 'families may not send' stops a parent's live sockets on two instances within a second, staff still send, reopening lets the parent send again [postgres]",
  { instances: 2, realtime: POSTGRES_TIERS },
  async ({ db, servers: [a, b] }) => {
    const { establishment, people: [admin, teacher, parent] } = await school(db, a, [
      "admin",
      "teacher",
      "parent",
    ]);
    const classId = (await createSchoolClass(db, { establishmentId: establishment.id })).id;
    await assignTeacherToSchoolClass(db, { classId, teacherId: teacher.user.id });
    const child = await createPupilInClass(db, { establishmentId: establishment.id, classId });
    await linkGuardianToPupil(db, { pupilId: child.id, guardianId: parent.user.id });
    const chat = await makeConversation(db, {
      establishmentId: establishment.id,
      members: [parent.user.id, teacher.user.id],
    });
    const onA = await connect(a, parent);
    const onB = await connect(b, parent);
    const staffOnB = await connect(b, teacher);
    try {
      await sendAndAck(onA.client, chat.id, "Bonjour, Léa sera absente demain.");
      const adminCookie = await loginCookie(b.url, admin.user.email);
      const started = performance.now();
      const posted = await postSettings(b, adminCookie, establishment.id, { mode: "families_silenced" });
      assertEquals(posted.status, 200);
      assertStringIncludes(posted.text, fr("settings.saved"));
      // Both instances tell the parent's sockets at once, without reconnecting.
      for (const client of [onA.client, onB.client]) {
        const frame = await client.nextOfType("settings", 1_000);
        assertEquals([frame.establishmentId, frame.mode], [establishment.id, "families_silenced"]);
      }
      const clientId = crypto.randomUUID();
      onA.client.send({ type: "send", clientId, conversationId: chat.id, body: "Encore une question" });
      const refused = await onA.client.next(
        (f) => f.type === "error" && f.clientId === clientId,
        1_000,
        "the refusal",
      );
      assert(
        performance.now() - started < 1_000,
        `refused ${Math.round(performance.now() - started)} ms after the switch`,
      );
      assertEquals([refused.code, refused.message], ["forbidden", fr("rules.familiesSilenced")]);
      // Staff still write; the conversation stays readable for the parent.
      await sendAndAck(staffOnB.client, chat.id, "Bien noté, merci.");
      await onB.client.next(
        (f) => f.type === "message" && (f.message as { body: string }).body === "Bien noté, merci.",
        10_000,
        "the teacher's answer",
      );
      // The change is in the audit log.
      const [entry] = await listAudit(db, {
        establishmentId: establishment.id,
        action: "establishment.messaging_settings",
        limit: 1,
      });
      assertEquals(entry?.actorId, admin.user.id);
      // Reopened: the parent sends again, on the other instance as well.
      assertEquals(
        (await postSettings(a, await loginCookie(a.url, admin.user.email), establishment.id, {
          mode: "open",
        })).status,
        200,
      );
      assertEquals((await onB.client.nextOfType("settings", 1_000)).mode, "open");
      await sendAndAck(onB.client, chat.id, "Merci !");
    } finally {
      await Promise.all([onA.client.close(), onB.client.close(), staffOnB.client.close()]);
    }
  },
);

Deno.test({
  name:
    "browser - 'families may not send' set on one instance shows the banner and disables the parent's composer on the other, saying why [postgres]",
  ...postgresOnly,
  ignore: postgresOnly.ignore || ignoreWithoutBrowser(),
  // Chromium's pipes and the previous cluster's closing sockets outlive Deno's per-test accounting
  // (as in the other multi-server browser tests); the cluster and the browser are closed below.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCluster(2, POSTGRES_TIERS, async ({ db, servers: [a, b] }) => {
      const est = await makeEstablishment(db);
      const admin = await makeLoginUser(db, { establishmentId: est.id, role: "admin" });
      const teacher = await makeLoginUser(db, {
        establishmentId: est.id,
        role: "teacher",
        name: "Marc Martin",
      });
      const parent = await makeLoginUser(db, {
        establishmentId: est.id,
        role: "parent",
        name: "Hélène Dupont",
      });
      // Always open hours, so that no availability notice shares the composer in this test.
      await setStaffHours(db, est.id, teacher.id, { days: 127, opens: 0, closes: 1440 });
      const chat = await makeConversation(db, { establishmentId: est.id, members: [teacher.id, parent.id] });
      const browser = await launchBrowser();
      try {
        const { page, context } = await signInPage(browser, a.url, parent.email, TEST_PASSWORD, {
          next: `/fr/parents/messagerie/${chat.id}`,
        });
        const input = page.locator("#message-input");
        await page.waitForFunction(() =>
          !(document.querySelector("#message-input") as HTMLTextAreaElement)?.disabled
        );
        assertEquals(await page.locator("[data-messaging-banner]").count(), 0);
        assertEquals(
          (await postSettings(b, await loginCookie(b.url, admin.email), est.id, {
            mode: "families_silenced",
          }))
            .status,
          200,
        );
        await page.locator("[data-messaging-banner]").waitFor({ timeout: 2_000 });
        assertEquals(
          await page.locator("[data-messaging-banner]").textContent(),
          fr("rules.familiesSilenced"),
        );
        assert(await input.isDisabled(), "the composer is disabled");
        assertEquals(await page.locator("[data-send-blocked]").textContent(), fr("rules.familiesSilenced"));
        assertEquals(
          await page.locator('[data-connection-status="connected"]').count(),
          1,
          "no reconnect needed",
        );
        // Reopened: the banner goes and the composer is usable again.
        assertEquals(
          (await postSettings(b, await loginCookie(b.url, admin.email), est.id, { mode: "open" })).status,
          200,
        );
        await page.locator("[data-messaging-banner]").waitFor({ state: "detached", timeout: 2_000 });
        assert(!(await input.isDisabled()), "the composer is enabled again");
        await context.close();
      } finally {
        await browser.close();
      }
    }),
});

/** A weekday and local minute in Paris after `from`, stepping by whole minutes from the next hour. */
function nextParis(from: Date, day: number, minute: number): Date {
  const t = new Date(Math.ceil(from.getTime() / 3_600_000) * 3_600_000);
  for (let i = 0; i < 8 * 24 * 4; i++, t.setTime(t.getTime() + 15 * 60_000)) {
    const local = localWeekMinute(t, "Europe/Paris");
    if (local.day === day && local.minute === minute) return t;
  }
  throw new Error("no such time within a week");
}

dbTest(
  "hours - outside the teacher's hours the parent's composer says when they reply, inside it says nothing",
  async (db) => {
    await withServer(db, async (server) => {
      const est = await makeEstablishment(db);
      const teacher = await makeLoginUser(db, {
        establishmentId: est.id,
        role: "teacher",
        name: "Marc Martin",
      });
      const parent = await makeLoginUser(db, { establishmentId: est.id, role: "parent" });
      const chat = await makeConversation(db, { establishmentId: est.id, members: [teacher.id, parent.id] });
      const cookie = await loginCookie(server.url, parent.email);
      const page = async () =>
        await (await fetch(`${server.url}/fr/parents/messagerie/${chat.id}`, { headers: { cookie } })).text();
      // Every day but today, whatever the hour: outside now.
      const today = localWeekMinute(new Date(), "Europe/Paris").day;
      const hours = { ...DEFAULT_HOURS, days: 127 & ~(1 << today) };
      await setStaffHours(db, est.id, teacher.id, hours);
      const closed = await page();
      assertStringIncludes(closed, "data-availability");
      assertStringIncludes(closed, formatAvailability(fr, "fr", "Marc Martin", hours));
      await setStaffHours(db, est.id, teacher.id, { days: 127, opens: 0, closes: 1440 });
      assert(!(await page()).includes("data-availability"), "no notice while the teacher's hours are open");
      assertEquals(
        formatAvailability(fr, "fr", "Marc Martin", DEFAULT_HOURS),
        "Marc Martin répond du lundi au vendredi, 7 h 30–19 h",
      );
    });
  },
);

dbTest("hours - a teacher's digest waits for their hours to open, a parent's does not", async (db) => {
  await withMail(db, async (w) => {
    const est = await makeEstablishment(db);
    const teacher = await makeUser(db, { establishmentId: est.id, role: "teacher", name: "Marc Martin" });
    const parent = await makeUser(db, { establishmentId: est.id, role: "parent", name: "Hélène Dupont" });
    const chat = await makeConversation(db, { establishmentId: est.id, members: [teacher.id, parent.id] });
    const colleague = await makeUser(db, { establishmentId: est.id, role: "teacher" });
    const other = await makeConversation(db, { establishmentId: est.id, members: [colleague.id, parent.id] });
    await sendAs(db, parent.id, chat.id, "Léa a oublié son cahier.");
    await sendAs(db, colleague.id, other.id, "Sortie au musée jeudi.");
    // Saturday 10:00 in Paris: outside the default hours (Monday–Friday 7:30–19:00).
    w.clock.advance(nextParis(w.clock.now(), 5, 600).getTime() - w.clock.now().getTime());
    await passDelay(w.clock, w.mail);
    assertEquals(mailsTo(w.smtp.received, teacher.email).length, 0, "nothing to the teacher on Saturday");
    assertEquals(mailsTo(w.smtp.received, parent.email).length, 1, "families' digests do not wait");
    // Monday 7:30: the hours open, the digest goes out.
    w.clock.advance(nextParis(w.clock.now(), 0, 450).getTime() - w.clock.now().getTime());
    await w.mail.digestPass();
    await w.mail.deliver();
    const [digest] = mailsTo(w.smtp.received, teacher.email);
    assert(digest, "the teacher's digest went out when the hours opened");
    assertStringIncludes(digest.text ?? "", "Léa a oublié son cahier.");
  });
});
