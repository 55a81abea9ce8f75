/**
 * axe-core audits in real Chromium (the login page, the messagerie with a conversation open, the
 * phone views of the list and of a conversation): zero violations. Plus the responses' compression.
 */
import axe from "axe-core";
import type { Page } from "playwright-core";
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { signInPage } from "./support/browser.ts";
import { BROWSER_DB, send, twoPeople, waitForMessage, withWorld } from "./support/messagerie_world.ts";
import { loginCookie, makeLoginUser, TEST_PASSWORD, withServer } from "./support/server.ts";
import { makeEstablishment } from "../db/factories.ts";

/** Runs axe-core on the page (injected through the debugger, which the page's CSP does not cover). */
async function violations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const found = await page.evaluate(async () => {
    const result = await (globalThis as unknown as {
      axe: { run(): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> };
    }).axe.run();
    return result.violations.map((v) =>
      `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`
    );
  });
  return found;
}

dbTest("a11y - the login page has no axe violation, in French and in English", async (db) => {
  await withWorld(db, async (w) => {
    const context = await w.browser.newContext();
    const page = await context.newPage();
    for (const locale of ["fr", "en"]) {
      await page.goto(`${w.server.url}/${locale}/login?ended=1`);
      assertEquals(await violations(page), [], locale);
    }
    await context.close();
  });
}, BROWSER_DB);

dbTest(
  "a11y - the messagerie with a conversation open, and its phone views, have no axe violation",
  async (db) => {
    await withWorld(db, async (w) => {
      const { p, t, parent, chat } = await twoPeople(w);
      await send(t.page, "Bonjour, voici le lien : www.example.org");
      await waitForMessage(p.page, "Bonjour, voici le lien : www.example.org");
      await send(p.page, "Merci !");
      await waitForMessage(t.page, "Merci !");
      await p.page.locator("[data-read-receipt]").waitFor();
      assertEquals(await violations(p.page), [], "desktop, parent");
      assertEquals(await violations(t.page), [], "desktop, teacher");

      const phone = await signInPage(w.browser, w.server.url, parent.email, TEST_PASSWORD, {
        viewport: { width: 375, height: 740 },
      });
      assertEquals(await violations(phone.page), [], "phone, list");
      await phone.page.locator(`[data-conversation-id="${chat.id}"]`).click();
      await waitForMessage(phone.page, "Merci !");
      // Inside a conversation the portal header gives way, and every tap target is at least 44 px.
      await phone.page.locator("[data-portal-header]").waitFor({ state: "hidden" });
      const small = await phone.page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>("button, a, textarea, input")]
          .filter((el) => el.offsetParent !== null && !el.closest("[data-body], .sr-only"))
          .map((el) => ({ el: el.outerHTML.slice(0, 80), h: el.getBoundingClientRect().height }))
          .filter((x) => x.h < 44)
      );
      assertEquals(small, []);
      assertEquals(await violations(phone.page), [], "phone, conversation");
      assertEquals([...p.errors, ...t.errors, ...phone.errors], []);
    });
  },
  BROWSER_DB,
);

dbTest(
  "compression - HTML (with its inline CSS) and JS are served gzip-compressed to browsers that accept it",
  async (db) => {
    await withServer(db, async (server) => {
      const school = await makeEstablishment(db);
      const parent = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
      const cookie = await loginCookie(server.url, parent.email);
      const page = await fetch(`${server.url}/fr/parents/messagerie`, {
        headers: { "accept-encoding": "gzip, br", cookie },
      });
      const html = await page.text();
      assertEquals(page.headers.get("content-encoding"), "gzip");
      const script = html.match(/"(\/[^"]+\.js)"/)?.[1];
      assert(script, "the page loads a script");
      const js = await fetch(`${server.url}${script}`, { headers: { "accept-encoding": "gzip" } });
      await js.body?.cancel();
      assertEquals(js.headers.get("content-encoding"), "gzip");
      const plain = await fetch(`${server.url}/fr/login`, { headers: { "accept-encoding": "identity" } });
      await plain.body?.cancel();
      assertEquals(plain.headers.get("content-encoding"), null);
    });
  },
);
