/**
 * The messagerie world of the browser tests: a real server over the test database, real Chromium,
 * a fresh school, people signed in through the login form, and the page helpers (send, wait for a
 * message, read the history).
 */
import type { Browser, Page } from "playwright-core";
import {
  BROWSER_TIMEOUT,
  ignoreWithoutBrowser,
  launchBrowser,
  type SignedInPage,
  signInPage,
} from "./browser.ts";
import {
  makeLoginUser,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
  type TestServerOptions,
} from "./server.ts";
import { makeConversation, makeEstablishment, makeSchoolClassWith } from "../../db/factories.ts";
import type { Role, User } from "../../db/models.ts";
import type { Database } from "../../db/types.ts";

export const BROWSER_DB = { kinds: ["postgres"] as const, ignore: ignoreWithoutBrowser() };

export interface World {
  server: TestServer;
  browser: Browser;
  token: string;
  school: { id: string; name: string };
  person(role: Role, name: string): Promise<User>;
  signIn(user: User, next?: string): Promise<SignedInPage>;
}

/** A server (`options` as for `startTestServer`), a browser and a fresh school; all closed afterwards. */
export async function withWorld(
  db: Database,
  fn: (w: World) => Promise<void>,
  options: TestServerOptions = {},
): Promise<void> {
  const server = await startTestServer(db, options);
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const token = crypto.randomUUID().slice(0, 6);
    const school = await makeEstablishment(db, { name: `École ${token}` });
    const b = browser;
    await fn({
      server,
      browser: b,
      token,
      school,
      person: (role, name) => makeLoginUser(db, { establishmentId: school.id, role, name }),
      signIn: (user, next) => signInPage(b, server.url, user.email, TEST_PASSWORD, { next }),
    });
  } finally {
    await browser?.close();
    await server.close();
  }
}

/** Message texts of the open conversation, in display order. */
export function bodies(page: Page): Promise<string[]> {
  return page.locator("[data-history] [data-message-id] [data-body]").allTextContents();
}

/** Waits until a stored (acknowledged) message with exactly `text` is shown. */
export async function waitForMessage(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (expected) =>
      [...document.querySelectorAll("[data-history] [data-message-id]:not([data-status]) [data-body]")]
        .some((el) => el.textContent === expected),
    text,
    { timeout: BROWSER_TIMEOUT },
  );
}

/**
 * Copies of `text` in the open conversation: `stored` ones (acknowledged) and all shown, outbox
 * copies (queued, pending, failed) included.
 */
export function copies(page: Page, text: string): Promise<{ stored: number; outbox: number }> {
  return page.evaluate((expected) => {
    const all = [...document.querySelectorAll("[data-history] [data-message-id]")]
      .filter((el) => el.querySelector("[data-body]")?.textContent === expected);
    return { stored: all.filter((el) => !el.hasAttribute("data-status")).length, outbox: all.length };
  }, text);
}

/** Types `text` in the composer and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  await page.locator("#message-input").fill(text);
  await page.locator("#message-input").press("Enter");
}

export async function twoPeople(w: World) {
  const teacher = await w.person("teacher", `Marc Martin ${w.token}`);
  const parent = await w.person("parent", `Hélène Dupont ${w.token}`);
  // The parent's child is in the teacher's class, so each may write to the other.
  await makeSchoolClassWith(w.server.services.db, {
    establishmentId: w.school.id,
    teacherIds: [teacher.id],
    parentIds: [parent.id],
  });
  const chat = await makeConversation(w.server.services.db, {
    establishmentId: w.school.id,
    members: [teacher.id, parent.id],
  });
  const p = await w.signIn(parent, `/fr/parents/messagerie/${chat.id}`);
  const t = await w.signIn(teacher, `/fr/admin/messagerie/${chat.id}`);
  return { teacher, parent, chat, p, t };
}
