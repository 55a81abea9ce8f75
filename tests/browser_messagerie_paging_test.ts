/**
 * The paged conversation list and the resumed reconnect, in real Chromium: the first screenful is
 * server-rendered, the rest loads on scroll, a conversation not yet loaded comes to the top when it
 * gets a message; after a server restart, `hello` brings the missed messages without a REST call.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { BROWSER_DB, waitForMessage, withWorld } from "./support/messagerie_world.ts";
import { launchBrowser, signInPage } from "./support/browser.ts";
import { makeLoginUser, startTestServer, TEST_PASSWORD } from "./support/server.ts";
import {
  makeConversation,
  makeEstablishment,
  makeManyConversations,
  makeSchoolClassWith,
} from "../db/factories.ts";
import { LIST_PAGE } from "../client/chat_store.ts";

const ITEMS = "[data-conversation-list] > li:not([data-load-more])";

dbTest(
  "browser paging - the list loads more on scroll, and a message brings a conversation not yet loaded to the top",
  async (db) => {
    await withWorld(db, async (w) => {
      const teacher = await w.person("teacher", `Marc Martin ${w.token}`);
      const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
      // The parent's child is in the teacher's class, so each may write to the other.
      await makeSchoolClassWith(db, {
        establishmentId: w.school.id,
        teacherIds: [teacher.id],
        parentIds: [parent.id],
      });
      const total = 2 * LIST_PAGE + 10;
      const ids = await makeManyConversations(db, {
        establishmentId: w.school.id,
        userId: teacher.id,
        otherId: parent.id,
        count: total,
      });
      const { page, errors } = await w.signIn(teacher, "/fr/admin/messagerie");
      assertEquals(await page.locator(ITEMS).count(), LIST_PAGE, "the first screenful, server-rendered");

      // The oldest conversation, far beyond the first page, gets a message: it comes to the top.
      const oldest = ids.at(-1)!;
      await w.server.services.messaging.sendMessage(parent.id, {
        conversationId: oldest,
        clientId: crypto.randomUUID(),
        body: `tout en bas ${w.token}`,
      });
      await page.waitForFunction(
        (text) =>
          document.querySelector("[data-conversation-list] > li")?.textContent?.includes(text) ?? false,
        `tout en bas ${w.token}`,
      );

      // Scrolling to the end loads the rest, page by page, each conversation once.
      for (let round = 0; round < 10 && await page.locator("[data-load-more]").count() > 0; round++) {
        await page.locator("[data-load-more]").scrollIntoViewIfNeeded();
        await page.waitForFunction(
          ([selector, before]) =>
            document.querySelectorAll(selector as string).length > (before as number) ||
            document.querySelector("[data-load-more]") === null,
          [ITEMS, await page.locator(ITEMS).count()] as const,
        );
      }
      assertEquals(await page.locator("[data-load-more]").count(), 0, "everything loaded");
      const hrefs = await page.locator(`${ITEMS} a`).evaluateAll((links) =>
        links.map((a) => a.getAttribute("href"))
      );
      assertEquals(hrefs.length, total);
      assertEquals(new Set(hrefs).size, total, "no conversation twice");
      assert(hrefs[0]?.endsWith(oldest), "the conversation that got a message stays at the top");
      assertEquals(errors, []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser paging - after a server restart the missed messages arrive in hello, without a REST call",
  async (db) => {
    const first = await startTestServer(db);
    const port = Number(new URL(first.url).port);
    const browser = await launchBrowser();
    let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
    try {
      const token = crypto.randomUUID().slice(0, 6);
      const school = await makeEstablishment(db, { name: `École ${token}` });
      const teacher = await makeLoginUser(db, {
        establishmentId: school.id,
        role: "teacher",
        name: `Marc ${token}`,
      });
      const parent = await makeLoginUser(db, {
        establishmentId: school.id,
        role: "parent",
        name: `Hélène ${token}`,
      });
      const chat = await makeConversation(db, {
        establishmentId: school.id,
        members: [teacher.id, parent.id],
      });
      const { page, errors } = await signInPage(browser, first.url, parent.email, TEST_PASSWORD, {
        next: `/fr/parents/messagerie/${chat.id}`,
      });
      await first.services.messaging.sendMessage(teacher.id, {
        conversationId: chat.id,
        clientId: "a",
        body: `avant ${token}`,
      });
      await waitForMessage(page, `avant ${token}`);

      await first.close();
      await page.locator('[data-connection-status="connected"]').waitFor({ state: "detached" });
      const rest: string[] = [];
      page.on("request", (request) => {
        // (A failed upgrade may ask /api/me whether the session still holds: not a resync.)
        if (new URL(request.url()).pathname.startsWith("/api/conversations")) rest.push(request.url());
      });
      // Written while the parent's page is disconnected.
      for (const n of [1, 2, 3]) {
        await first.services.messaging.sendMessage(teacher.id, {
          conversationId: chat.id,
          clientId: `pendant-${n}`,
          body: `pendant ${n} ${token}`,
        });
      }
      second = await startTestServer(db, { port });
      await page.locator('[data-connection-status="connected"]').waitFor({ timeout: 45_000 });
      for (const n of [1, 2, 3]) await waitForMessage(page, `pendant ${n} ${token}`);
      assertEquals(rest, [], "no list or messages request: hello carried them");
      // While the server was down the browser may have asked for the favicon: refused, as expected.
      assertEquals(errors.filter((e) => !e.includes("net::ERR_CONNECTION_REFUSED")), []);
    } finally {
      await browser.close();
      await second?.close();
      await first.close().catch(() => {});
    }
  },
  BROWSER_DB,
);
