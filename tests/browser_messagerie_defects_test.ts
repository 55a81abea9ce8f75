/**
 * Defects found when the messagerie was tried as a new user would, each reproduced in real
 * Chromium: a session ended in one tab sends the other tabs to the login page saying why; a
 * conversation opened from the list shows its newest message; typing on and off never draws a
 * refusal from the server; one tab too many says so instead of "reconnecting" forever.
 */
import type { Page } from "playwright-core";
import type { Database } from "../db/types.ts";
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { BROWSER_DB, twoPeople, waitForMessage, withWorld, type World } from "./support/messagerie_world.ts";
import { api, TEST_PASSWORD } from "./support/server.ts";
import { makeConversation } from "../db/factories.ts";
import { appendMessage, markRead } from "../db/messages.ts";

/** Every `error` frame the page's sockets receive, as parsed JSON. */
function errorFrames(page: Page): { code?: string }[] {
  const errors: { code?: string }[] = [];
  page.on("websocket", (socket) => {
    socket.on("framereceived", ({ payload }) => {
      const frame = JSON.parse(String(payload));
      if (frame.type === "error") errors.push(frame);
    });
  });
  return errors;
}

dbTest(
  "browser - signing out in one tab sends the session's other tabs to the login page, saying the session ended",
  async (db) => {
    await withWorld(db, async (w) => {
      const { p, parent, chat } = await twoPeople(w);
      const other = await p.context.newPage();
      await other.goto(`${w.server.url}/fr/parents/messagerie/${chat.id}`);
      await other.locator('[data-connection-status="connected"]').waitFor();
      // The session signs out, as the first tab's button does (the session's sockets are closed with
      // 4401). Sent from here, not from that tab: the tab leaves for the login page at once, which may
      // tear down its page before a fetch of its own has answered.
      const session = (await p.context.cookies()).find((c) => c.name === "preau_session");
      assert(session, "the signed-in tabs share a session cookie");
      const { status } = await api(w.server.url, `preau_session=${session.value}`, "/api/auth/logout", {
        method: "POST",
      });
      assertEquals(status, 204);
      await other.waitForURL(/\/fr\/login\?ended=1/);
      await other.getByText("Votre session a pris fin, reconnectez-vous.").waitFor();
      const text = await other.locator("body").innerText();
      assert(!text.includes("La recherche a échoué"), text);
      assert(!text.includes("Impossible de charger les messages"), text);
      // Signing in again brings the person back to the conversation.
      await other.fill("#email", parent.email);
      await other.fill("#password", TEST_PASSWORD);
      await Promise.all([other.waitForURL(new RegExp(chat.id)), other.click("button[type=submit]")]);
    });
  },
  BROWSER_DB,
);

/** A conversation of 30 long messages, the parent having read up to `readUpTo`. */
async function longConversation(db: Database, w: World, readUpTo: number) {
  const teacher = await w.person("teacher", `Marc Martin ${w.token}`);
  const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
  const chat = await makeConversation(db, { establishmentId: w.school.id, members: [teacher.id, parent.id] });
  const long = "Voici le programme détaillé de la sortie au musée, avec les horaires. ".repeat(12);
  for (let i = 1; i <= 30; i++) {
    await appendMessage(db, {
      conversationId: chat.id,
      senderId: teacher.id,
      clientId: `long-${i}`,
      body: i === 30 ? "Dernier message" : `Message ${i}. ${long}`,
    });
  }
  await markRead(db, chat.id, parent.id, readUpTo);
  return { parent, chat };
}

/** Where `selector` sits in the history's viewport: its top and bottom relative to the pane. */
function placeIn(page: Page, selector: string) {
  return page.locator(selector).evaluate((el) => {
    const box = el.getBoundingClientRect();
    const pane = document.querySelector("[data-history]")!.getBoundingClientRect();
    return { top: box.top - pane.top, bottom: pane.bottom - box.bottom };
  });
}

dbTest(
  "browser - a conversation opened from the list shows its newest message, even after long ones",
  async (db) => {
    await withWorld(db, async (w) => {
      const { parent, chat } = await longConversation(db, w, 29);
      const p = await w.signIn(parent, "/fr/parents/messagerie");
      await p.page.locator(`[data-conversation-id="${chat.id}"]`).click();
      await waitForMessage(p.page, "Dernier message");
      await p.page.waitForFunction(() => {
        const el = document.querySelector<HTMLElement>("[data-history]");
        return el !== null && el.scrollHeight - el.scrollTop - el.clientHeight < 4;
      });
      const place = await placeIn(p.page, '[data-seq="30"]');
      assert(
        place.top >= 0 && place.bottom >= 0,
        `the newest message is on screen: ${JSON.stringify(place)}`,
      );
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - a conversation with unread messages opens at the first unread one, under a marker",
  async (db) => {
    await withWorld(db, async (w) => {
      const { parent, chat } = await longConversation(db, w, 12);
      const p = await w.signIn(parent, "/fr/parents/messagerie");
      await p.page.locator(`[data-conversation-id="${chat.id}"]`).click();
      await waitForMessage(p.page, "Dernier message");
      const marker = await placeIn(p.page, "[data-unread-marker]");
      assert(marker.top >= 0 && marker.top < 40, `the marker is at the top: ${JSON.stringify(marker)}`);
      await p.page.locator("[data-unread-marker]").filter({ hasText: /Nouveaux messages/i }).waitFor();
      const next = await p.page.locator("[data-unread-marker] + li").getAttribute("data-seq");
      assertEquals(next, "13");
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - typing on and off quickly never draws a refusal from the server, and the other side sees it",
  async (db) => {
    await withWorld(db, async (w) => {
      const { p, t, chat } = await twoPeople(w);
      // A fresh tab of the teacher's, watched from its first frame.
      const tab = await t.context.newPage();
      const refused = errorFrames(tab);
      await tab.goto(`${w.server.url}/fr/admin/messagerie/${chat.id}`);
      await tab.locator('[data-connection-status="connected"]').waitFor();
      const input = tab.locator("#message-input:enabled");
      await input.waitFor();
      for (let i = 0; i < 25; i++) {
        await input.press("a");
        await input.press("Backspace");
      }
      await input.pressSequentially("Bonjour à tous", { delay: 20 });
      await p.page.locator("[data-typing-indicator]").filter({ hasText: "Marc" }).waitFor();
      await input.press("Enter");
      // The socket answers frames in order: once the ack is in, every refusal would be too.
      await waitForMessage(tab, "Bonjour à tous");
      assertEquals(refused, []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "browser - one tab too many says why and stops retrying",
  async (db) => {
    await withWorld(db, async (w) => {
      const { p, chat } = await twoPeople(w);
      const second = await p.context.newPage();
      await second.goto(`${w.server.url}/fr/parents/messagerie/${chat.id}`);
      await second.locator('[data-connection-status="connected"]').waitFor();
      const third = await p.context.newPage();
      const attempts: string[] = [];
      third.on("websocket", (socket) => attempts.push(socket.url()));
      await third.goto(`${w.server.url}/fr/parents/messagerie/${chat.id}`);
      await third.locator('[data-connection-status="too_many"]').waitFor();
      await third.locator("[data-status-text]").filter({
        hasText: "Trop d'onglets ouverts : fermez-en un, puis réessayez",
      }).waitFor();
      // Closing a tab and asking again connects.
      const before = w.server.services.realtime.stats().sockets;
      await second.close();
      // The server has seen that tab go.
      const deadline = Date.now() + 10_000;
      while (w.server.services.realtime.stats().sockets >= before) {
        assert(Date.now() < deadline, "the closed tab's socket is still counted");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const tries = attempts.length;
      await third.getByRole("button", { name: "Réessayer maintenant" }).click();
      await third.locator('[data-connection-status="connected"]').waitFor();
      assertEquals(tries, 1, "no retry happened on its own");
    }, { realtime: { maxSocketsPerUser: 2 } });
  },
  BROWSER_DB,
);
