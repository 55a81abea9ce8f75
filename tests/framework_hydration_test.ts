/**
 * The counter fixture (`framework/testdata`) in real Chromium: styled by the server's twind CSS
 * before any script runs, then hydrated so the two islands sharing one signal update each other,
 * without console errors.
 */
import { Hono } from "hono";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { mountFsRoutes } from "../framework/mod.ts";
import { assertEquals } from "./support/assert.ts";
import { ignoreWithoutBrowser, launchBrowser } from "./support/browser.ts";

const TESTDATA = fileURLToPath(new URL("../framework/testdata/", import.meta.url));
const TIMEOUT = 15_000;

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return errors;
}

Deno.test({
  name: "hydration - the counter islands share one signal in Chromium, styled before hydration",
  ignore: ignoreWithoutBrowser(),
  async fn() {
    const app = new Hono();
    await mountFsRoutes(app, { routesDir: `${TESTDATA}routes`, islandsDir: `${TESTDATA}islands` });
    const controller = new AbortController();
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", signal: controller.signal, onListen() {} },
      app.fetch,
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      // Without the client build the page must already be styled by the server's CSS.
      const bare = await browser.newPage();
      await bare.route("**/_islands/js/**", (route) => route.abort());
      await bare.goto(`${base}/counter`, { timeout: TIMEOUT });
      assertEquals(await bare.locator("h1").evaluate((el) => getComputedStyle(el).color), "rgb(29, 78, 216)");
      assertEquals(
        await bare.locator("button").evaluate((el) => getComputedStyle(el).backgroundColor),
        "rgb(37, 99, 235)",
      );
      assertEquals(await bare.locator("button").isDisabled(), true, "the button waits for hydration");
      await bare.close();

      const page = await browser.newPage();
      const errors = collectErrors(page);
      await page.goto(`${base}/counter`, { timeout: TIMEOUT });
      // click() waits for the button to be enabled, which only hydration (useEffect) does.
      await page.locator("button").click({ timeout: TIMEOUT });
      await page.waitForFunction(() => document.querySelector("[data-counter]")?.textContent === "1", null, {
        timeout: TIMEOUT,
      });
      // text-emerald-600 appears only after the first click: the browser's twind must style it.
      const html = await (await fetch(`${base}/counter`)).text();
      assertEquals(html.includes("text-emerald-600"), false, "the class must be new to the client");
      await page.waitForFunction(
        () => getComputedStyle(document.querySelector("[data-counter]")!).color === "rgb(5, 150, 105)",
        null,
        { timeout: TIMEOUT },
      );
      await page.locator("button").click({ timeout: TIMEOUT });
      await page.waitForFunction(
        () => document.querySelector("[data-counter]")?.parentElement?.textContent?.trim() === "2 clics",
        null,
        { timeout: TIMEOUT },
      );
      // The client twind reused the server's style element rather than adding another.
      assertEquals(
        await page.evaluate(
          () => [document.querySelectorAll("style").length, document.querySelector("style")?.dataset.twind],
        ),
        [1, "claimed"],
      );
      assertEquals(errors, []);
      await page.close();
    } finally {
      await browser?.close();
      controller.abort();
      await server.finished;
    }
  },
});
