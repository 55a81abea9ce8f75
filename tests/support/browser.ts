/**
 * Real Chromium for browser tests, through playwright-core (no browser download: Debian's
 * `/usr/bin/chromium`). Playwright makes and removes a fresh profile directory per launch.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags Chromium needs in this sandboxed, offline machine. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether Chromium is installed. */
export function chromiumAvailable(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

/**
 * `ignore` value for browser tests: skipped when Chromium is missing on a developer machine, but
 * run (and failing with an install hint) under CI, where a missing browser must not go unnoticed.
 */
export function ignoreWithoutBrowser(): boolean {
  return !chromiumAvailable() && !Deno.env.get("CI");
}

/** Launches headless Chromium; close it in a `finally`. */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumAvailable()) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/** Bound on every browser wait in the messagerie tests. */
export const BROWSER_TIMEOUT = 20_000;

/** Collects console errors and uncaught page errors (assert it stays empty). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return errors;
}

/** Options of {@linkcode signInPage}. */
export interface SignInOptions {
  locale?: "fr" | "en";
  viewport?: { width: number; height: number };
  /** Page to ask for first; the login page must bring the person back there. Default: the portal. */
  next?: string;
}

/** A person signed in through the real login form, in a context (cookies) of their own. */
export interface SignedInPage {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** Opens a fresh context, signs `email` in through the login page and waits for the messagerie. */
export async function signInPage(
  browser: Browser,
  base: string,
  email: string,
  password: string,
  options: SignInOptions = {},
): Promise<SignedInPage> {
  const locale = options.locale ?? "fr";
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: locale === "fr" ? "fr-FR" : "en-GB",
    timezoneId: "Europe/Paris",
  });
  context.setDefaultTimeout(BROWSER_TIMEOUT);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${base}${options.next ?? `/${locale}`}`);
  await page.waitForURL(/\/login/);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(/\/messagerie/), page.click("button[type=submit]")]);
  await page.locator('[data-connection-status="connected"]').waitFor();
  return { context, page, errors };
}

/** Where the tests write their screenshots (git-ignored). */
export const SCREENSHOT_DIR = new URL("../screenshots/", import.meta.url);

/** Saves a full-viewport screenshot as `tests/screenshots/<name>.png`; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = new URL(`${name}.png`, SCREENSHOT_DIR).pathname;
  await page.screenshot({ path });
  return path;
}
