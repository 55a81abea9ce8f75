/**
 * The messagerie against a real Préau process that is frozen (`SIGSTOP`, then `SIGCONT`) or
 * stopped and started again on the same port, in real Chromium: a dead connection shows within
 * 10 s, a message written around a freeze ends up delivered exactly once with no "not sent" copy
 * left, and pages are connected again within 5 s of the server's return.
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals } from "./support/assert.ts";
import { newPostgresDatabaseUrl } from "./support/databases.ts";
import { ignoreWithoutBrowser, launchBrowser, type SignedInPage, signInPage } from "./support/browser.ts";
import { copies, send } from "./support/messagerie_world.ts";
import { type Running, spawnMain } from "./support/processes.ts";
import { postgresOnly } from "./support/realtime_fixtures.ts";
import { makeLoginUser, TEST_PASSWORD, TEST_SECRET } from "./support/server.ts";
import { makeConversation, makeEstablishment } from "../db/factories.ts";
import { openDatabase } from "../db/open.ts";

/** Long enough for a freeze, a heartbeat and a reconnect. */
const SLOW = 60_000;

/** Starts `main.ts` over `databaseUrl` on `port` (0: a free one). */
function startPreau(databaseUrl: string, port: number): Promise<Running> {
  return spawnMain({ DATABASE_URL: databaseUrl, PREAU_SECRET: TEST_SECRET }, port);
}

interface Scene {
  preau: Running;
  port: number;
  databaseUrl: string;
  t: SignedInPage;
  p: SignedInPage;
}

/** A Préau process, a teacher and a parent on their conversation; everything closed afterwards. */
function frozenTest(name: string, fn: (scene: Scene) => Promise<void>): void {
  Deno.test({
    name: `${name} [postgres]`,
    ...postgresOnly,
    ignore: postgresOnly.ignore || ignoreWithoutBrowser(),
    // Playwright keeps timers of its own around a frozen page's calls (its CDP timeouts), which can
    // start in one test and end in the next; the browser tests in dbTest modules run without
    // sanitizers for the same reason. The server under test is a separate process, checked by its exit.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const databaseUrl = await newPostgresDatabaseUrl();
      const scene: Partial<Scene> = { databaseUrl };
      scene.preau = await startPreau(databaseUrl, 0);
      scene.port = Number(new URL(scene.preau.url).port);
      const db = await openDatabase({ databaseUrl, dataDir: "memory://", poolSize: 2 });
      let browser: Browser | undefined;
      try {
        const school = await makeEstablishment(db);
        const teacher = await makeLoginUser(db, {
          establishmentId: school.id,
          role: "teacher",
          name: "Marc Martin",
        });
        const parent = await makeLoginUser(db, {
          establishmentId: school.id,
          role: "parent",
          name: "Hélène Dupont",
        });
        const chat = await makeConversation(db, {
          establishmentId: school.id,
          members: [teacher.id, parent.id],
        });
        browser = await launchBrowser();
        scene.t = await signInPage(browser, scene.preau.url, teacher.email, TEST_PASSWORD, {
          next: `/fr/admin/messagerie/${chat.id}`,
        });
        scene.p = await signInPage(browser, scene.preau.url, parent.email, TEST_PASSWORD, {
          next: `/fr/parents/messagerie/${chat.id}`,
        });
        await fn(scene as Scene);
      } finally {
        try {
          scene.preau?.child.kill("SIGCONT");
        } catch { /* already gone */ }
        await browser?.close();
        await scene.preau?.stop(2000);
        await db.close();
      }
    },
  });
}

/** Milliseconds until the page's status is `state`. */
async function timeUntil(page: Page, state: string): Promise<number> {
  const start = Date.now();
  await page.locator(`[data-connection-status="${state}"]`).waitFor({ timeout: SLOW });
  return Date.now() - start;
}

/** Resolves once the page has opened `count` more WebSockets (reconnect attempts). */
async function reconnectAttempts(page: Page, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await page.waitForEvent("websocket", { timeout: SLOW });
}

frozenTest("browser - a frozen server shows as a lost connection within 10 s", async ({ preau, t }) => {
  preau.child.kill("SIGSTOP");
  const lost = await Promise.race([
    timeUntil(t.page, "reconnecting"),
    timeUntil(t.page, "offline"),
  ]);
  assert(lost <= 10_000, `the status said "connected" for ${lost} ms after the freeze`);
  preau.child.kill("SIGCONT");
  await timeUntil(t.page, "connected");
});

frozenTest(
  "browser - a message sent as the server froze is delivered once, with no 'not sent' copy beside it",
  async ({ preau, t, p }) => {
    preau.child.kill("SIGSTOP");
    await send(t.page, "Écrit pendant le gel");
    // The send frame is in the frozen server's socket buffer; the page gives the socket up and
    // its copy waits (queued, or failed if the ack timeout came first) while the server is frozen.
    await t.page.locator('[data-connection-status="reconnecting"]').waitFor({ timeout: SLOW });
    await t.page.locator('[data-status="queued"], [data-status="failed"]')
      .filter({ hasText: "Écrit pendant le gel" }).waitFor({ timeout: SLOW });
    preau.child.kill("SIGCONT");
    await timeUntil(t.page, "connected");
    await t.page.waitForFunction(
      (text) =>
        [...document.querySelectorAll("[data-history] [data-message-id]")]
          .filter((el) => el.querySelector("[data-body]")?.textContent === text)
          .every((el) => !el.hasAttribute("data-status")) &&
        [...document.querySelectorAll("[data-history] [data-message-id]:not([data-status]) [data-body]")]
          .some((el) => el.textContent === text),
      "Écrit pendant le gel",
      { timeout: SLOW },
    );
    assertEquals(await copies(t.page, "Écrit pendant le gel"), { stored: 1, outbox: 1 });
    await p.page.locator("[data-history] [data-body]").filter({ hasText: "Écrit pendant le gel" }).waitFor();
    assertEquals((await copies(p.page, "Écrit pendant le gel")).stored, 1);
    // After a reload (REST only), still one.
    await t.page.reload();
    await t.page.locator("[data-history] [data-body]").filter({ hasText: "Écrit pendant le gel" }).waitFor();
    assertEquals(await copies(t.page, "Écrit pendant le gel"), { stored: 1, outbox: 1 });
  },
);

frozenTest(
  "browser - pages are connected again within 5 s of the server's restart, however long it was down",
  async (scene) => {
    const { t, p } = scene;
    const counting = [reconnectAttempts(t.page, 6), reconnectAttempts(p.page, 6)];
    await scene.preau.stop();
    // Down long enough for the backoff to reach its cap (attempts after 0.5, 1, 2, 4, 4… s at most).
    await Promise.all(counting);
    scene.preau = await startPreau(scene.databaseUrl, scene.port);
    // spawnPreau returned once /readyz answered: the server is back.
    const back = Date.now();
    await Promise.all([timeUntil(t.page, "connected"), timeUntil(p.page, "connected")]);
    const took = Date.now() - back;
    assert(took <= 5000, `reconnected ${took} ms after the server's return`);
  },
);
