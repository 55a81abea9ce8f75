/**
 * What families and teachers expect of the messagerie, in real Chromium: one inbox across
 * schools, read receipts, group conversations from the "+" dialog, search as people type, and
 * a notification (favicon, title) while the tab is in the background.
 */
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { BROWSER_TIMEOUT } from "./support/browser.ts";
import { BROWSER_DB, send, twoPeople, waitForMessage, withWorld } from "./support/messagerie_world.ts";
import { makeLoginUser } from "./support/server.ts";
import { makeConversation, makeEstablishment, makeSchoolClassWith } from "../db/factories.ts";
import { appendMessage } from "../db/messages.ts";
import { setMembership } from "../db/users.ts";

dbTest(
  "browser - a parent of two schools sees one inbox, each conversation tagged, unread counted per school",
  async (db) => {
    await withWorld(db, async (w) => {
      const other = await makeEstablishment(db, { name: `Collège ${w.token}` });
      const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
      await setMembership(db, { userId: parent.id, establishmentId: other.id, role: "parent" });
      const teacherA = await w.person("teacher", `Marc Martin ${w.token}`);
      const teacherB = await makeLoginUser(db, {
        establishmentId: other.id,
        role: "teacher",
        name: `Anne Roy ${w.token}`,
      });
      const inA = await makeConversation(db, {
        establishmentId: w.school.id,
        members: [teacherA.id, parent.id],
      });
      const inB = await makeConversation(db, {
        establishmentId: other.id,
        members: [teacherB.id, parent.id],
      });
      await appendMessage(db, {
        conversationId: inA.id,
        senderId: teacherA.id,
        clientId: "a-1",
        body: "Bonjour de l'école",
      });
      await appendMessage(db, {
        conversationId: inB.id,
        senderId: teacherB.id,
        clientId: "b-1",
        body: "Du collège",
      });

      const p = await w.signIn(parent);
      const page = p.page;
      await page.locator(`[data-conversation-id="${inA.id}"] [data-school]`).filter({
        hasText: w.school.name,
      }).waitFor();
      await page.locator(`[data-conversation-id="${inB.id}"] [data-school]`).filter({ hasText: other.name })
        .waitFor();
      // A message from the other school arrives live: counted in its school and in the title.
      const t = await w.signIn(teacherB, `/fr/admin/messagerie/${inB.id}`);
      await send(t.page, "Réunion au collège jeudi");
      await page.locator(`[data-conversation-id="${inB.id}"] [data-unread="2"]`).waitFor();
      await page.waitForFunction(() => document.title.startsWith("(3) "), null, { timeout: BROWSER_TIMEOUT });
      await page.locator(`[data-school-choice="${other.id}"] [data-school-unread="2"]`).waitFor();
      await page.locator(`[data-school-choice="${w.school.id}"] [data-school-unread="1"]`).waitFor();
      await page.locator('[data-school-choice="all"] [data-school-unread="3"]').waitFor();
      assertEquals(
        await page.locator("[data-conversation-id]").first().getAttribute("data-conversation-id"),
        inB.id,
        "the newest activity is on top, whatever the school",
      );
      // The filter shows one school's conversations.
      await page.locator(`[data-school-choice="${other.id}"]`).click();
      assertEquals(await page.locator("[data-conversation-list] [data-conversation-id]").count(), 1);
      await page.locator(`[data-conversation-id="${inB.id}"]`).click();
      await waitForMessage(page, "Réunion au collège jeudi");
      await page.waitForFunction(() => document.title.startsWith("(1) "), null, { timeout: BROWSER_TIMEOUT });
      assertEquals([...p.errors, ...t.errors], []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - read receipts: 'Vu à' with the time in a two-person conversation, 'Vu par 1 sur 3' with names in a group",
  async (db) => {
    await withWorld(db, async (w) => {
      const { p, t, parent, teacher } = await twoPeople(w);
      await send(t.page, "Avez-vous signé le carnet ?");
      await waitForMessage(p.page, "Avez-vous signé le carnet ?");
      const receipt = t.page.locator('[data-read-receipt="direct"]');
      await receipt.filter({ hasText: /^Vu à \d{2}:\d{2}$/ }).waitFor();
      // Under our message, the one the parent read.
      const before = await t.page.locator("[data-read-receipt] >> xpath=preceding-sibling::li[1]")
        .getAttribute(
          "data-mine",
        );
      assertEquals(before, "true");

      const admin = await w.person("admin", `Claire Lefèvre ${w.token}`);
      const colleague = await w.person("teacher", `Paul Girard ${w.token}`);
      const group = await makeConversation(db, {
        establishmentId: w.school.id,
        members: [teacher.id, parent.id, admin.id, colleague.id],
        title: `Sortie ${w.token}`,
      });
      await t.page.goto(`${w.server.url}/fr/admin/messagerie/${group.id}`);
      await t.page.locator('[data-connection-status="connected"]').waitFor();
      await send(t.page, "Départ à 9 h");
      await p.page.goto(`${w.server.url}/fr/parents/messagerie/${group.id}`);
      await waitForMessage(p.page, "Départ à 9 h");
      const seenBy = t.page.locator('[data-read-receipt="group"] button');
      await seenBy.filter({ hasText: "Vu par 1 sur 3" }).waitFor();
      await seenBy.click();
      assertEquals(await t.page.locator("[data-readers] li").allTextContents(), [parent.name]);
      assertEquals([...p.errors, ...t.errors], []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - staff start a group conversation with several people and a title from the + dialog",
  async (db) => {
    await withWorld(db, async (w) => {
      const teacher = await w.person("teacher", `Marc Martin ${w.token}`);
      const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
      const colleague = await w.person("teacher", `Paul Girard ${w.token}`);
      await makeSchoolClassWith(db, {
        establishmentId: w.school.id,
        teacherIds: [teacher.id],
        parentIds: [parent.id],
      });
      const t = await w.signIn(teacher);
      const p = await w.signIn(parent);
      await t.page.locator("[data-new-conversation]").click();
      await t.page.locator("[data-group-toggle]").check();
      await t.page.locator("#group-title").fill(`Sortie au musée ${w.token}`);
      for (const name of ["Dupont Hél", "Girard"]) {
        await t.page.locator("#recipient-input").fill(name);
        await t.page.locator('#recipient-listbox [role="option"]').first().click();
      }
      assertEquals((await t.page.locator("[data-group-members] li").allTextContents()).length, 2);
      await t.page.locator("[data-create-group]").click();
      await t.page.locator("[data-chat-title]").filter({ hasText: `Sortie au musée ${w.token}` }).waitFor();
      // Still empty: not in the others' lists yet.
      assertEquals(await p.page.locator("[data-conversation-id]").count(), 0);
      await send(t.page, "Départ jeudi à 9 h");
      await p.page.locator("[data-conversation-id]").filter({ hasText: `Sortie au musée ${w.token}` })
        .click();
      await waitForMessage(p.page, "Départ jeudi à 9 h");
      assert((await p.page.locator("[data-chat-title]").textContent())?.includes("Sortie au musée"));
      assert((await p.page.locator('[data-pane="chat"] header').innerText()).includes(colleague.name));
      assertEquals([...p.errors, ...t.errors], []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - the search finds people as they type them, says when a query is too short, closes on a click outside",
  async (db) => {
    await withWorld(db, async (w) => {
      const teacher = await w.person("teacher", `Marc Martin ${w.token}`);
      const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
      await makeSchoolClassWith(db, {
        establishmentId: w.school.id,
        teacherIds: [teacher.id],
        parentIds: [parent.id],
      });
      const { page, errors } = await w.signIn(parent);
      await page.locator("[data-new-conversation]").click();
      const input = page.locator("#recipient-input");
      await input.fill("M");
      await page.getByText("Tapez au moins 2 lettres").waitFor();
      assert(!(await page.locator("#recipient-search").innerText()).includes("Personne ne correspond"));
      for (const query of ["Martin Marc", `${w.token} marc`, "marc mart"]) {
        await input.fill(query);
        await page.locator('#recipient-listbox [role="option"]').filter({ hasText: `Marc Martin ${w.token}` })
          .waitFor();
      }
      await page.locator("[data-pane=chat]").click({ position: { x: 10, y: 10 } });
      await page.locator("#recipient-search").waitFor({ state: "detached" });
      assertEquals(errors, []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - in a background tab a new message notifies (permission asked only after a click), with the count in favicon and title",
  async (db) => {
    await withWorld(db, async (w) => {
      const { p, t, chat } = await twoPeople(w);
      const tab = await p.context.newPage();
      // A recording Notification and a controllable visibility (headless tabs are always visible).
      await tab.addInitScript(() => {
        const record = globalThis as unknown as { __notes: unknown[]; __asked: number };
        record.__notes = [];
        record.__asked = 0;
        let permission = "default";
        class FakeNotification {
          static get permission() {
            return permission;
          }
          static requestPermission() {
            record.__asked++;
            permission = "granted";
            return Promise.resolve(permission);
          }
          onclick: (() => void) | null = null;
          constructor(title: string, options: { body?: string; tag?: string }) {
            record.__notes.push({ title, body: options.body, tag: options.tag });
          }
          close() {}
        }
        Object.defineProperty(globalThis, "Notification", { value: FakeNotification });
        Object.defineProperty(document, "visibilityState", {
          get: () => (globalThis as unknown as { __hidden?: boolean }).__hidden ? "hidden" : "visible",
        });
      });
      await tab.goto(`${w.server.url}/fr/parents/messagerie`);
      await tab.locator('[data-connection-status="connected"]').waitFor();
      assertEquals(await tab.evaluate(() => (globalThis as unknown as { __asked: number }).__asked), 0);
      await tab.locator("[data-enable-notifications]").click();
      await tab.locator("[data-enable-notifications]").waitFor({ state: "detached" });
      assertEquals(await tab.evaluate(() => (globalThis as unknown as { __asked: number }).__asked), 1);
      await tab.evaluate(() => (globalThis as unknown as { __hidden: boolean }).__hidden = true);
      // The parent's first tab has the conversation open and would read the message (and clear the
      // count) if it stayed: only the background tab remains.
      await p.page.goto("about:blank");
      await send(t.page, "Cantine fermée demain");
      await tab.waitForFunction(() => (globalThis as unknown as { __notes: unknown[] }).__notes.length === 1);
      const [note] = await tab.evaluate(() => (globalThis as unknown as { __notes: unknown[] }).__notes);
      assertEquals(note, {
        title: `Marc Martin ${w.token}`,
        body: "Cantine fermée demain",
        tag: chat.id,
      });
      await tab.waitForFunction(() => document.title === "(1) Messagerie – Préau");
      // The favicon follows the title in its own effect: wait for it rather than read it at once.
      await tab.waitForFunction(() =>
        document.querySelector('link[rel="icon"]')?.getAttribute("href")?.startsWith("data:") ?? false
      );
      const icon = await tab.locator('link[rel="icon"]').getAttribute("href");
      assert(
        icon?.startsWith("data:image/svg+xml") && decodeURIComponent(icon).includes(">1</text>"),
        icon ?? "",
      );
      assertEquals(p.errors, []);
    });
  },
  BROWSER_DB,
);
