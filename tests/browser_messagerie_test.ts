/**
 * The messagerie in real Chromium against a real server and database: people signed in through the
 * login form in separate browser contexts exchange messages live, see each other type, start
 * conversations through the recipient search, watch unread badges, and can't be attacked through a
 * message body. Runs on PostgreSQL only, to keep the suite short (the pages are the same on PGlite).
 */
import type { Browser } from "playwright-core";
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { BROWSER_TIMEOUT, launchBrowser, saveScreenshot, signInPage } from "./support/browser.ts";
import {
  bodies,
  BROWSER_DB,
  send,
  twoPeople,
  waitForMessage,
  withWorld,
} from "./support/messagerie_world.ts";
import { startTestServer, TEST_PASSWORD } from "./support/server.ts";
import { makeConversation, makeSchoolClassWith } from "../db/factories.ts";
import { DEMO_PASSWORD, seedDemo } from "../db/seed.ts";
import { hashPassword } from "../domain/passwords.ts";

dbTest("browser - a parent and a teacher exchange messages both ways, live, in order, once", async (db) => {
  await withWorld(db, async (w) => {
    const { p, t } = await twoPeople(w);
    const expected: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await send(p.page, `Question ${i} du parent`);
      expected.push(`Question ${i} du parent`);
      await waitForMessage(t.page, `Question ${i} du parent`);
      await send(t.page, `Réponse ${i}\nsur deux lignes`);
      expected.push(`Réponse ${i}\nsur deux lignes`);
      await waitForMessage(p.page, `Réponse ${i}\nsur deux lignes`);
    }
    // A burst without waiting arrives in order too.
    for (let i = 1; i <= 4; i++) await send(p.page, `Rafale ${i}`);
    expected.push("Rafale 1", "Rafale 2", "Rafale 3", "Rafale 4");
    await waitForMessage(t.page, "Rafale 4");
    await waitForMessage(p.page, "Rafale 4");
    assertEquals(await bodies(t.page), expected);
    assertEquals(await bodies(p.page), expected);
    const mine = await p.page.locator("[data-history] [data-message-id]").evaluateAll((els) =>
      els.map((el) => (el as HTMLElement).dataset.mine)
    );
    assertEquals(mine, expected.map((text) => text.startsWith("Réponse") ? "false" : "true"));
    // The other party's name and the time are on their bubbles.
    const first = t.page.locator("[data-history] [data-mine=false]").first();
    assert((await first.textContent())?.includes("Hélène Dupont"), "the sender's name is shown");
    assert(/\d{1,2}:\d{2}/.test(await first.locator("time").textContent() ?? ""), "the time is shown");
    assertEquals([...p.errors, ...t.errors], []);
  });
}, BROWSER_DB);

dbTest("browser - the typing indicator shows for the other party and goes away on send", async (db) => {
  await withWorld(db, async (w) => {
    const { p, t } = await twoPeople(w);
    const indicator = p.page.locator("[data-typing-indicator]");
    await t.page.locator("#message-input").pressSequentially("Je vous écris", { delay: 15 });
    await indicator.filter({ hasText: `Marc Martin ${w.token} écrit…` }).waitFor();
    await t.page.locator("#message-input").press("Enter");
    await waitForMessage(p.page, "Je vous écris");
    await p.page.waitForFunction(
      () => document.querySelector("[data-typing-indicator]")?.textContent === "",
      null,
      {
        timeout: BROWSER_TIMEOUT,
      },
    );
    // The live region announced the new message for screen readers.
    const announced = await p.page.locator("[data-announcer]").textContent();
    assertEquals(announced, `Nouveau message de Marc Martin ${w.token} : Je vous écris`);
    assertEquals([...p.errors, ...t.errors], []);
  });
}, BROWSER_DB);

dbTest(
  "browser - a parent starts a conversation through the keyboard-driven recipient search",
  async (db) => {
    await withWorld(db, async (w) => {
      const teacher = await w.person("teacher", `Marc Martin ${w.token}`);
      await w.person("parent", `Marine Durand ${w.token}`); // matches "mar" but parents cannot write to parents
      const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
      await makeSchoolClassWith(db, {
        establishmentId: w.school.id,
        teacherIds: [teacher.id],
        parentIds: [parent.id],
      });
      const { page, errors } = await w.signIn(parent);
      const plus = page.locator("[data-new-conversation]");
      await plus.focus();
      await page.keyboard.press("Enter");
      await page.locator("#recipient-input:focus").waitFor();
      await page.keyboard.type("mar");
      await page.locator('#recipient-listbox [role="option"]').first().waitFor();
      await page.getByText("1 personne trouvée").waitFor();
      const options = await page.locator('#recipient-listbox [role="option"]').allTextContents();
      assertEquals(options.length, 1);
      assert(
        // The teacher's affiliation ("enseignant, <their class>") names the role.
        options[0]!.includes(`Marc Martin ${w.token}`) && /enseignant, Classe/.test(options[0]!),
        options[0],
      );
      assertEquals(
        await page.locator("#recipient-input").getAttribute("aria-activedescendant") !== null,
        true,
      );
      // Escape closes and gives the focus back to the + button.
      await page.keyboard.press("Escape");
      await page.locator("[data-new-conversation]:focus").waitFor();
      await page.keyboard.press("Enter");
      await page.locator("#recipient-input:focus").waitFor();
      await page.keyboard.type("mar");
      await page.getByText("1 personne trouvée").waitFor();
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/fr\/parents\/messagerie\/[0-9a-f-]{36}$/);
      await page.locator("[data-chat-title]").filter({ hasText: `Marc Martin ${w.token}` }).waitFor();
      await page.locator('[data-conversation-id][aria-current="page"]').waitFor();
      // The composer has the focus: type and send without touching the mouse.
      await page.locator("#message-input:focus").waitFor();
      await page.keyboard.type("Bonjour Monsieur");
      await page.keyboard.press("Enter");
      await waitForMessage(page, "Bonjour Monsieur");
      // The deep link survives a reload.
      await page.reload();
      await waitForMessage(page, "Bonjour Monsieur");
      assertEquals(errors, []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - unread badges rise for another conversation and clear in every tab once read",
  async (db) => {
    await withWorld(db, async (w) => {
      const teacher = await w.person("teacher", `Marc Martin ${w.token}`);
      const admin = await w.person("admin", `Claire Lefèvre ${w.token}`);
      const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
      const withTeacher = await makeConversation(db, {
        establishmentId: w.school.id,
        members: [teacher.id, parent.id],
      });
      const withAdmin = await makeConversation(db, {
        establishmentId: w.school.id,
        members: [admin.id, parent.id],
      });
      const p = await w.signIn(parent, `/fr/parents/messagerie/${withTeacher.id}`);
      const otherTab = await p.context.newPage();
      await otherTab.goto(`${w.server.url}/fr/parents/messagerie`);
      await otherTab.locator('[data-connection-status="connected"]').waitFor();
      const a = await w.signIn(admin, `/fr/admin/messagerie/${withAdmin.id}`);

      await send(a.page, "Réunion demain à 8 h");
      await send(a.page, "Merci de confirmer");
      await waitForMessage(a.page, "Merci de confirmer");
      for (const tab of [p.page, otherTab]) {
        await tab.locator(`[data-conversation-id="${withAdmin.id}"] [data-unread="2"]`).waitFor();
        await tab.waitForFunction(() => document.title === "(2) Messagerie – Préau", null, {
          timeout: BROWSER_TIMEOUT,
        });
        // The conversation with the newest message moved to the top.
        assertEquals(
          await tab.locator("[data-conversation-id]").first().getAttribute("data-conversation-id"),
          withAdmin.id,
        );
      }
      await p.page.locator(`[data-conversation-id="${withAdmin.id}"]`).click();
      await waitForMessage(p.page, "Merci de confirmer");
      for (const tab of [p.page, otherTab]) {
        await tab.locator(`[data-conversation-id="${withAdmin.id}"] [data-unread]`).waitFor({
          state: "detached",
        });
        await tab.waitForFunction(() => document.title === "Messagerie – Préau", null, {
          timeout: BROWSER_TIMEOUT,
        });
      }
      assertEquals([...p.errors, ...a.errors], []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - markup in a message shows as text and runs nothing; links are safe; long words wrap",
  async (db) => {
    await withWorld(db, async (w) => {
      const { p, t } = await twoPeople(w);
      const dialogs: string[] = [];
      p.page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const evil = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">', "javascript:alert(3)"];
      for (const text of evil) await send(t.page, text);
      const link = "Le programme : https://example.org/sortie?jour=jeudi.";
      const long = "a".repeat(400);
      await send(t.page, link);
      await send(t.page, long);
      await waitForMessage(p.page, long);
      for (const text of evil) await waitForMessage(p.page, text);
      assertEquals(await p.page.locator("[data-history] [data-body] :is(script, img)").count(), 0);
      const anchors = await p.page.locator("[data-history] [data-body] a").evaluateAll((els) =>
        els.map((
          a,
        ) => [a.getAttribute("href"), a.getAttribute("rel"), a.getAttribute("target"), a.textContent])
      );
      assertEquals(anchors, [[
        "https://example.org/sortie?jour=jeudi",
        "noopener noreferrer nofollow",
        "_blank",
        "https://example.org/sortie?jour=jeudi",
      ]]);
      const overflow = await p.page.locator("[data-history]").evaluate((el) =>
        el.scrollWidth - el.clientWidth
      );
      assertEquals(overflow, 0, "a long word must wrap instead of widening the history");
      // The server render of the same messages is just as inert.
      await p.page.reload();
      await waitForMessage(p.page, evil[0]!);
      assertEquals(await p.page.locator("[data-history] [data-body] :is(script, img)").count(), 0);
      assertEquals(dialogs, []);
      assertEquals([...p.errors, ...t.errors], []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - English strings, one pane at a time at 375 px, and screenshots of the main screens",
  async (db) => {
    await withWorld(db, async (w) => {
      const teacher = await w.person("teacher", `Marc Martin ${w.token}`);
      const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
      const chat = await makeConversation(db, {
        establishmentId: w.school.id,
        members: [teacher.id, parent.id],
      });
      const t = await w.signIn(teacher, `/fr/admin/messagerie/${chat.id}`);
      await send(t.page, "Bonjour, Léa a oublié son cahier de liaison aujourd'hui.");
      await send(t.page, "Pensez aussi à l'autorisation de sortie : https://example.org/sortie");
      await waitForMessage(t.page, "Pensez aussi à l'autorisation de sortie : https://example.org/sortie");

      for (const locale of ["fr", "en"] as const) {
        const desk = await signInPage(w.browser, w.server.url, parent.email, TEST_PASSWORD, { locale });
        const page = desk.page;
        if (locale === "en") {
          for (const text of ["Conversations", "Connected", "Sign out", "Families"]) {
            await page.getByText(text, { exact: true }).first().waitFor();
          }
          assertEquals(await page.locator("html").getAttribute("lang"), "en");
          await page.locator(`[data-conversation-id="${chat.id}"]`).click();
          await page.locator('#message-input[placeholder="Write a message…"]').waitFor();
          await page.getByText("Enter to send, Shift+Enter for a new line.").waitFor();
        } else {
          await page.locator(`[data-conversation-id="${chat.id}"]`).click();
        }
        await waitForMessage(page, "Pensez aussi à l'autorisation de sortie : https://example.org/sortie");
        await saveScreenshot(page, `messagerie-desktop-${locale}`);
        await desk.context.close();

        const mobile = await signInPage(w.browser, w.server.url, parent.email, TEST_PASSWORD, {
          locale,
          viewport: { width: 375, height: 740 },
        });
        const m = mobile.page;
        const list = m.locator('[data-pane="list"]');
        const pane = m.locator('[data-pane="chat"]');
        assertEquals([await list.isVisible(), await pane.isVisible()], [true, false]);
        await saveScreenshot(m, `messagerie-mobile-list-${locale}`);
        await m.locator(`[data-conversation-id="${chat.id}"]`).click();
        await pane.waitFor({ state: "visible" });
        await list.waitFor({ state: "hidden" });
        await waitForMessage(m, "Bonjour, Léa a oublié son cahier de liaison aujourd'hui.");
        const width = await m.evaluate(() => document.documentElement.scrollWidth);
        assertEquals(width, 375, "nothing may overflow the narrow screen");
        await saveScreenshot(m, `messagerie-mobile-chat-${locale}`);
        await m.locator("[data-back]").click();
        await list.waitFor({ state: "visible" });
        await pane.waitFor({ state: "hidden" });
        assertEquals(new URL(m.url()).pathname, `/${locale}/parents/messagerie`);
        // Browser back returns to the conversation.
        await m.goBack();
        await pane.waitFor({ state: "visible" });
        assertEquals([...desk.errors, ...mobile.errors], []);
        await mobile.context.close();
      }
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - the demo's main screen for a parent of two schools: one inbox and read receipts (README screenshot)",
  async (db) => {
    await seedDemo(db, { passwordHash: () => hashPassword(DEMO_PASSWORD) });
    const server = await startTestServer(db);
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const p = await signInPage(browser, server.url, "parent.dupont@example.test", DEMO_PASSWORD);
      assertEquals(new URL(p.page.url()).pathname, "/fr/parents/messagerie");
      // One inbox: both schools' conversations, tagged.
      await p.page.locator("[data-school]", { hasText: "Collège Victor-Hugo" }).first().waitFor();
      await p.page.locator("[data-school]", { hasText: "École Jules-Ferry" }).first().waitFor();
      await p.page.locator("[data-conversation-id]", { hasText: "Marc Martin" }).click();
      await waitForMessage(p.page, "La sortie a lieu jeudi, départ à 9 h devant l'école.");
      await send(p.page, "Merci, c'est signé. Bonne soirée !");
      const t = await signInPage(browser, server.url, "m.martin@jules-ferry.test", DEMO_PASSWORD);
      await t.page.locator("[data-conversation-id]", { hasText: "Hélène Dupont" }).click();
      await waitForMessage(t.page, "Merci, c'est signé. Bonne soirée !");
      await p.page.locator('[data-read-receipt="direct"]').filter({ hasText: /^Vu à/ }).waitFor();
      const path = await saveScreenshot(p.page, "messagerie-demo-parent-fr");
      assert(path.endsWith(".png"));
      assertEquals([...p.errors, ...t.errors], []);
    } finally {
      await browser?.close();
      await server.close();
    }
  },
  BROWSER_DB,
);
