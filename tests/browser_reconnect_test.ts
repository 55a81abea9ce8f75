/**
 * The messagerie across a server restart, in real Chromium: the server is stopped and a new one is
 * started on the SAME port over the same database while people keep writing. Status goes
 * reconnecting → connected, messages written meanwhile are queued and leave after the reconnect,
 * and everything arrives once, in order. PostgreSQL only, like the other browser tests.
 */
import type { Browser, Page } from "playwright-core";
import { dbTest } from "./support/databases.ts";
import { assertEquals } from "./support/assert.ts";
import {
  BROWSER_TIMEOUT,
  ignoreWithoutBrowser,
  launchBrowser,
  type SignedInPage,
  signInPage,
} from "./support/browser.ts";
import { makeLoginUser, TEST_PASSWORD, TEST_SECRET } from "./support/server.ts";
import { makeConversation, makeEstablishment } from "../db/factories.ts";
import type { Database } from "../db/types.ts";
import { createApp } from "../server/app.ts";

/** A restart takes a build and a backoff round or two: allow more than the usual wait. */
const RECONNECT_TIMEOUT = 45_000;

interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a fresh app over `db` on `port` (0: a free one); closing closes its sockets (1012) first. */
async function serveOn(db: Database, port: number): Promise<Served> {
  const preau = await createApp({
    db,
    config: { allowedOrigins: [], publicUrl: undefined },
    secret: TEST_SECRET,
  });
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { port, hostname: "127.0.0.1", onListen: (addr) => listening.resolve(addr) },
    preau.app.fetch,
  );
  const addr = await listening.promise;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    close: async () => {
      await preau.close();
      await server.shutdown();
    },
  };
}

async function waitForMessage(page: Page, text: string, timeout = BROWSER_TIMEOUT): Promise<void> {
  await page.waitForFunction(
    (expected) =>
      [...document.querySelectorAll("[data-history] [data-message-id]:not([data-status]) [data-body]")]
        .some((el) => el.textContent === expected),
    text,
    { timeout },
  );
}

function bodies(page: Page): Promise<string[]> {
  return page.locator("[data-history] [data-message-id] [data-body]").allTextContents();
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator("#message-input").fill(text);
  await page.locator("#message-input").press("Enter");
}

/** A teacher and a parent in one conversation, both signed in and looking at it. */
async function scene(db: Database, browser: Browser, url: string) {
  const token = crypto.randomUUID().slice(0, 6);
  const school = await makeEstablishment(db);
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
  const chat = await makeConversation(db, { establishmentId: school.id, members: [teacher.id, parent.id] });
  const t = await signInPage(browser, url, teacher.email, TEST_PASSWORD, {
    next: `/fr/admin/messagerie/${chat.id}`,
  });
  const p = await signInPage(browser, url, parent.email, TEST_PASSWORD, {
    next: `/fr/parents/messagerie/${chat.id}`,
  });
  return { t, p };
}

/** What a {@linkcode restartTest} gets. */
interface RestartScene {
  /** The teacher's and the parent's signed-in pages, on their conversation. */
  t: SignedInPage;
  p: SignedInPage;
  /** Stops the server (its sockets close with 1012). */
  stop(): Promise<void>;
  /** Starts a new server on the same port over the same database. */
  restart(): Promise<void>;
}

/**
 * Registers a `[postgres]` browser test over the {@linkcode scene}, with the server's off and on
 * switches; closes the browser and the server afterwards.
 */
function restartTest(name: string, fn: (scene: RestartScene) => Promise<void>): void {
  dbTest(
    name,
    async (db) => {
      let served = await serveOn(db, 0);
      let browser: Browser | undefined;
      try {
        browser = await launchBrowser();
        const { t, p } = await scene(db, browser, served.url);
        const restart = async () => {
          served = await serveOn(db, served.port);
        };
        await fn({ t, p, stop: () => served.close(), restart });
      } finally {
        await browser?.close();
        await served.close();
      }
    },
    { kinds: ["postgres"], ignore: ignoreWithoutBrowser() },
  );
}

restartTest(
  "browser - across a server restart on the same port every message arrives once, in order",
  async ({ t, p, stop, restart }) => {
    await send(t.page, "Avant 1");
    await send(t.page, "Avant 2");
    await waitForMessage(p.page, "Avant 2");

    await send(t.page, "Pendant l'arrêt 1");
    await stop();
    await p.page.locator('[data-connection-status="reconnecting"]').waitFor({ timeout: RECONNECT_TIMEOUT });
    await t.page.locator('[data-connection-status="reconnecting"]').waitFor({ timeout: RECONNECT_TIMEOUT });
    // The countdown is shown as text.
    await p.page.locator("[data-status-text]").filter({ hasText: /Reconnexion/ }).waitFor();
    await send(t.page, "Pendant l'arrêt 2");
    await send(t.page, "Pendant l'arrêt 3");
    await restart();

    for (const page of [p.page, t.page]) {
      await page.locator('[data-connection-status="connected"]').waitFor({ timeout: RECONNECT_TIMEOUT });
    }
    await waitForMessage(p.page, "Pendant l'arrêt 3", RECONNECT_TIMEOUT);
    await send(t.page, "Après 1");
    await waitForMessage(p.page, "Après 1");
    await waitForMessage(t.page, "Après 1");
    const expected = [
      "Avant 1",
      "Avant 2",
      "Pendant l'arrêt 1",
      "Pendant l'arrêt 2",
      "Pendant l'arrêt 3",
      "Après 1",
    ];
    assertEquals(await bodies(p.page), expected);
    assertEquals(await bodies(t.page), expected);
  },
);

restartTest(
  "browser - a message written while offline is queued, then delivered after the reconnect",
  async ({ t, p, stop, restart }) => {
    await stop();
    await p.page.locator('[data-connection-status="reconnecting"]').waitFor({ timeout: RECONNECT_TIMEOUT });
    // Offline, the composer stays usable and says messages will leave later.
    await p.page.getByText("Hors ligne : vos messages partiront dès la reconnexion.").waitFor();
    await send(p.page, "Écrit hors ligne");
    await p.page.locator('[data-status="queued"]').filter({ hasText: "Écrit hors ligne" }).waitFor();
    await restart();
    await waitForMessage(p.page, "Écrit hors ligne", RECONNECT_TIMEOUT);
    await waitForMessage(t.page, "Écrit hors ligne", RECONNECT_TIMEOUT);
    assertEquals(await bodies(t.page), ["Écrit hors ligne"]);
    assertEquals(await bodies(p.page), ["Écrit hors ligne"]);
  },
);
