/**
 * Unacked sends are retried by the page itself, with the same clientId, in real Chromium: the
 * socket is dropped right after a send reached the server (before its ack), or the ack alone is
 * lost. Either way the message ends up stored and shown once, and never as "not sent", without a
 * click. The page's socket goes through Playwright's WebSocket route, which plays the network.
 */
import type { Page } from "playwright-core";
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals } from "./support/assert.ts";
import {
  BROWSER_DB,
  copies,
  send,
  twoPeople,
  waitForMessage,
  withWorld,
} from "./support/messagerie_world.ts";

/** What the route does to the next frames. */
interface Network {
  /** Close the page's socket right after forwarding the next `send` to the server. */
  dropAfterSend: boolean;
  /** Swallow the next `ack` the server sends. */
  loseAck: boolean;
  acksLost: number;
  socketsDropped: number;
}

/** Routes the page's `/ws/chat` through a controllable relay, then reloads so the page uses it. */
async function relay(page: Page): Promise<Network> {
  const network: Network = { dropAfterSend: false, loseAck: false, acksLost: 0, socketsDropped: 0 };
  await page.routeWebSocket(/\/ws\/chat(\?.*)?$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((data) => {
      server.send(data);
      if (network.dropAfterSend && JSON.parse(String(data)).type === "send") {
        network.dropAfterSend = false;
        network.socketsDropped++;
        void ws.close({ code: 4000, reason: "network lost" });
        void server.close();
      }
    });
    server.onMessage((data) => {
      if (network.loseAck && JSON.parse(String(data)).type === "ack") {
        network.loseAck = false;
        network.acksLost++;
        return;
      }
      ws.send(data);
    });
  });
  await page.reload();
  await page.locator('[data-connection-status="connected"]').waitFor();
  // Records whether any copy was ever shown as "not sent".
  await page.evaluate(() => {
    const w = window as unknown as { sawFailed: boolean };
    w.sawFailed = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-history] [data-status="failed"]')) w.sawFailed = true;
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  return network;
}

dbTest(
  "browser - a send whose socket drops before the ack, or whose ack is lost, is resent by the page and stored once, never shown as failed",
  (db) =>
    withWorld(db, async (w) => {
      const { t, p, chat } = await twoPeople(w);
      const network = await relay(t.page);

      network.dropAfterSend = true;
      await send(t.page, "Coupé avant l'accusé");
      await waitForMessage(t.page, "Coupé avant l'accusé");
      assertEquals(network.socketsDropped, 1);

      network.loseAck = true;
      await send(t.page, "Accusé perdu");
      // No ack: the page sends it again after its ack timeout (10 s), with the same clientId.
      await t.page.waitForFunction(
        (expected) =>
          [...document.querySelectorAll("[data-history] [data-message-id]:not([data-status]) [data-body]")]
            .some((el) => el.textContent === expected),
        "Accusé perdu",
        { timeout: 30_000 },
      );
      assertEquals(network.acksLost, 1);

      for (const text of ["Coupé avant l'accusé", "Accusé perdu"]) {
        assertEquals(await copies(t.page, text), { stored: 1, outbox: 1 }, text);
        await waitForMessage(p.page, text);
        assertEquals((await copies(p.page, text)).stored, 1, `${text} on the parent's page`);
      }
      assert(
        !(await t.page.evaluate(() => (window as unknown as { sawFailed: boolean }).sawFailed)),
        "never failed",
      );
      const rows = await db.query<{ body: string; n: number }>(
        "select body, count(*)::int as n from messages where conversation_id = $1 group by body order by body",
        [chat.id],
      );
      assertEquals(rows, [{ body: "Accusé perdu", n: 1 }, { body: "Coupé avant l'accusé", n: 1 }]);
    }),
  BROWSER_DB,
);
