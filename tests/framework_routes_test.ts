/**
 * Route conventions of `framework/` through `app.request()` on the fixture tree
 * `framework/testdata/routes` (layouts, middlewares, params, groups, 404/405/500, handlers).
 */
import { Hono } from "hono";
import { fileURLToPath } from "node:url";
import { basename, join } from "node:path";
import { createRoutes, mountFsRoutes } from "../framework/mod.ts";
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";

const TESTDATA = fileURLToPath(new URL("../framework/testdata/", import.meta.url));

/** The fixture's JSON paths, as an app with a REST API under `/api` would declare them. */
const isJsonPath = (pathname: string) => pathname === "/api" || pathname.startsWith("/api/");

const app = new Hono();
const mounted = await mountFsRoutes(app, {
  routesDir: join(TESTDATA, "routes"),
  islandsDir: join(TESTDATA, "islands"),
  isJsonPath,
});

/** Runs `fn` with `console.error` captured; returns the calls' arguments. */
async function loggedErrors(fn: () => Promise<void>): Promise<unknown[][]> {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return logged;
}

function idText(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
}

Deno.test("routes - index renders inside _app and the root layout, with middleware state", async () => {
  const res = await app.request("/");
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
  assertEquals(res.headers.get("x-root-after"), "1");
  const html = await res.text();
  assert(html.startsWith('<!DOCTYPE html><html lang="fr">'), html.slice(0, 80));
  assertEquals(idText(html, "trail"), "root");
  assertStringIncludes(html, 'data-app-saw="set-by-root"');
  assert(html.indexOf('id="layout-root"') < html.indexOf('id="trail"'));
});

Deno.test("routes - nested layouts wrap outer first and middlewares run outer first, arrays in order", async () => {
  const html = await (await app.request("/blog")).text();
  const root = html.indexOf('id="layout-root"');
  const blog = html.indexOf('id="layout-blog"');
  const page = html.indexOf('id="trail"');
  assert(root >= 0 && root < blog && blog < page, `layout order wrong: ${root} ${blog} ${page}`);
  assertEquals(idText(html, "trail"), "root>blog1>blog2");
});

Deno.test("routes - [param] receives the decoded value and static segments win over it", async () => {
  assertEquals(idText(await (await app.request("/blog/hello%20world")).text(), "slug"), "hello world");
  assertEquals(idText(await (await app.request("/blog/special")).text(), "special"), "static beats [slug]");
  assertEquals(idText(await (await app.request("/42")).text(), "param"), "id=42");
  assertEquals(idText(await (await app.request("/about")).text(), "param"), undefined);
});

Deno.test("routes - [...rest] matches its folder and every depth below", async () => {
  assertEquals(idText(await (await app.request("/docs/a/b/c")).text(), "path"), "path=a/b/c");
  assertEquals(idText(await (await app.request("/docs")).text(), "path"), "path=");
});

Deno.test("routes - a (group) adds no segment but brings its own layout and middleware", async () => {
  const res = await app.request("/pricing");
  assertEquals(res.status, 200);
  const html = await res.text();
  assert(html.includes('id="layout-marketing"'));
  assertEquals(idText(html, "trail"), "root>marketing");
  assertEquals((await app.request("/(marketing)/pricing")).status, 404);
});

Deno.test("routes - unmatched paths render _404 with status 404, JSON on the app's JSON paths", async () => {
  const page = await app.request("/nope/nothing");
  assertEquals(page.status, 404);
  const html = await page.text();
  assertEquals(idText(html, "fixture-404"), "Fixture page not found");
  assert(html.includes('id="layout-root"'), "the root layout wraps the 404 page");

  const api = await app.request("/api/nope");
  assertEquals(api.status, 404);
  assertEquals((await api.json()).error.code, "not_found");
  assertEquals(api.headers.get("x-api-trail"), "root>api", "middlewares of the folders above still run");
});

Deno.test("routes - ctx.renderNotFound answers the 404 page", async () => {
  const res = await app.request("/missing");
  assertEquals(res.status, 404);
  assertStringIncludes(await res.text(), "Fixture page not found");
});

Deno.test("routes - a handler object answers its methods and 405 + Allow for the others", async () => {
  const get = await app.request("/api/items");
  assertEquals(await get.json(), { items: ["a", "b"] });
  assertEquals(get.headers.get("x-api-trail"), "root>api");

  const post = await app.request("/api/items", { method: "POST", body: JSON.stringify({ n: 1 }) });
  assertEquals(post.status, 201);
  assertEquals(await post.json(), { created: { n: 1 } });

  const del = await app.request("/api/items", { method: "DELETE" });
  assertEquals(del.status, 405);
  assertEquals(del.headers.get("allow"), "GET, HEAD, POST");
  const body = await del.json();
  assertEquals(body.error.code, "method_not_allowed");
  assertEquals(typeof body.error.message, "string");

  const head = await app.request("/api/items", { method: "HEAD" });
  assertEquals(head.status, 200);
  assertEquals(await head.text(), "");
});

Deno.test("routes - a page without handler answers GET and 405 (plain text) otherwise", async () => {
  const res = await app.request("/about", { method: "POST" });
  assertEquals(res.status, 405);
  assertEquals(res.headers.get("allow"), "GET, HEAD");
  assertStringIncludes(res.headers.get("content-type") ?? "", "text/plain");
});

Deno.test("routes - a handler function answers every method", async () => {
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
    const res = await app.request("/api/echo", { method });
    assertEquals(await res.json(), { method });
  }
  assertEquals(await (await app.request("/api/users/u-7")).json(), { id: "u-7" });
});

Deno.test("routes - ctx.render(data, init) passes data to the page with the given status and headers", async () => {
  const res = await app.request("/render_data");
  assertEquals(res.status, 203);
  assertEquals(res.headers.get("x-rendered"), "yes");
  assertEquals(idText(await res.text(), "data"), "from the handler");
});

Deno.test("routes - a middleware may answer without calling next", async () => {
  const stopped = await app.request("/guarded");
  assertEquals(stopped.status, 401);
  assertEquals(await stopped.text(), "stopped by middleware");
  const passed = await app.request("/guarded", { headers: { "x-pass": "yes" } });
  assertEquals(idText(await passed.text(), "guarded"), "inside");
});

Deno.test("routes - thrown errors are logged and answer _500 or JSON 500 without details", async () => {
  const logged = await loggedErrors(async () => {
    const page = await app.request("/boom");
    assertEquals(page.status, 500);
    const html = await page.text();
    assertStringIncludes(html, "Fixture error page");
    assert(!html.includes("secret detail"), "the error detail leaked into the page");

    const api = await app.request("/api/boom");
    assertEquals(api.status, 500);
    const text = await api.text();
    assertEquals(JSON.parse(text).error.code, "internal_error");
    assert(!text.includes("secret detail") && !text.includes("boom.ts"), "the error detail leaked into JSON");
  });
  assertEquals(logged.length, 2);
  assert(String(logged[0]![1]).includes("secret detail of the page failure"), "the error was not logged");
});

Deno.test("routes - a thrown HttpError answers its status through _error, in JSON on JSON paths", async () => {
  const page = await app.request("/forbidden");
  assertEquals(page.status, 403);
  assertEquals(idText(await page.text(), "fixture-error"), "403: members only");

  const api = await app.request("/api/forbidden");
  assertEquals(api.status, 403);
  assertEquals(await api.json(), { error: { code: "forbidden", message: "members only" } });

  const gone = await app.request("/gone");
  assertEquals(gone.status, 404);
  assertEquals(idText(await gone.text(), "fixture-404"), "Fixture page not found", "_404 wins for a 404");
});

Deno.test("routes - without _404 and _500, _error answers every status; HttpError headers are kept", async () => {
  const tree = new Hono();
  await mountFsRoutes(tree, {
    routesDir: join(TESTDATA, "error_routes"),
    islandsDir: join(TESTDATA, "none"),
  });
  const missing = await tree.request("/nothing/here");
  assertEquals(missing.status, 404);
  const missingHtml = await missing.text();
  assertStringIncludes(missingHtml, 'data-status="404"');
  assertStringIncludes(missingHtml, "no route matches GET /nothing/here");
  assertStringIncludes(missingHtml, 'id="error-tree-layout"', "a 404 keeps the layouts of the folders above");

  const teapot = await tree.request("/teapot");
  assertEquals(teapot.status, 418);
  assertEquals(teapot.headers.get("x-teapot"), "yes");
  assertStringIncludes(await teapot.text(), "short and stout");

  const logged = await loggedErrors(async () => {
    const boom = await tree.request("/boom");
    assertEquals(boom.status, 500);
    const html = await boom.text();
    assertStringIncludes(html, 'data-status="500"');
    assertStringIncludes(html, "something broke");
    assert(!html.includes("secret detail"), "the error detail leaked into the page");
    assert(!html.includes("error-tree-layout"), "an unexpected error renders without layouts");
  });
  assertEquals(logged.length, 1, "the 500 is logged, the 404 and 418 are not");
});

Deno.test("routes - config.routeOverride answers another pattern, inside its folder's middlewares", async () => {
  const res = await app.request("/legacy/abc/view");
  assertEquals(res.status, 200);
  const html = await res.text();
  assertEquals(idText(html, "override"), "abc root");
  assert(html.includes('id="layout-root"'), "its folder's layout still applies");
  assertEquals((await app.request("/override")).status, 200, "/override is the [id] route now");
  assertEquals(idText(await (await app.request("/override")).text(), "param"), "id=override");
  assert(mounted.routes.some((r) => r.path === "/legacy/:code/view" && r.file === "routes/override.tsx"));
});

Deno.test("routes - config.skipInheritedLayouts and skipAppWrapper leave out layouts and _app", async () => {
  const plain = await (await app.request("/blog/plain")).text();
  assertEquals(idText(plain, "plain"), "no layouts");
  assert(!plain.includes("layout-root") && !plain.includes("layout-blog"), "the layouts were not skipped");
  assert(plain.startsWith('<!DOCTYPE html><html lang="fr">'), "_app still wraps it");

  const bare = await (await app.request("/bare")).text();
  assert(bare.startsWith('<!DOCTYPE html><html lang="en">'), bare.slice(0, 80));
  assert(
    !bare.includes("layout-root") && !bare.includes("<title>Fixture</title>"),
    "_app or a layout leaked in",
  );
  assertEquals(idText(bare, "bare"), "bare");

  const standalone = await (await app.request("/standalone")).text();
  assert(standalone.includes('id="layout-standalone"'), "its own layout renders");
  assert(!standalone.includes("layout-root"), "a layout with skipInheritedLayouts drops those outside it");
  assertEquals(idText(standalone, "standalone"), "mark=set-by-root", "define.handlers got the typed state");
});

Deno.test("routes - a config with an unknown key, a bad override or a layout override stops the scan", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fs-routes-config-" });
  const scanError = async (file: string, source: string) => {
    await Deno.writeTextFile(join(dir, file), source);
    try {
      await mountFsRoutes(new Hono(), { routesDir: dir, islandsDir: join(dir, "no-islands") });
      return "";
    } catch (error) {
      return String(error);
    } finally {
      await Deno.remove(join(dir, file));
    }
  };
  const route = "export const handler = () => new Response('x');\n";
  try {
    assertStringIncludes(
      await scanError("a.ts", `export const config = { routeOveride: '/y' };\n${route}`),
      "a.ts: config.routeOveride is not supported",
    );
    assertStringIncludes(
      await scanError("b.ts", `export const config = { routeOverride: 'no-slash' };\n${route}`),
      'b.ts: config.routeOverride "no-slash" must start with "/"',
    );
    assertStringIncludes(
      await scanError(
        "_layout.ts",
        "export const config = { routeOverride: '/z' };\nexport default () => null;\n",
      ),
      "_layout.ts: config.routeOverride is for route files only",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("routes - state prefilled with c.set before the fs routes is the same object", async () => {
  const outer = new Hono();
  let seen: Record<string, unknown> | undefined;
  outer.use("*", async (c, next) => {
    seen = { prefilled: "from-outer" };
    c.set("state", seen);
    await next();
  });
  outer.route(
    "/",
    await createRoutes({ routesDir: join(TESTDATA, "routes"), islandsDir: join(TESTDATA, "islands") }),
  );
  const html = await (await outer.request("/")).text();
  assertEquals(idText(html, "prefilled"), "from-outer");
  assertEquals(seen?.trail, ["root"], "the middleware wrote into the prefilled object");
});

Deno.test("routes - <Head> adds to <head> and its title replaces the _app title", async () => {
  const html = await (await app.request("/about")).text();
  const head = html.slice(0, html.indexOf("</head>"));
  assertStringIncludes(head, "<title>About the fixture</title>");
  assert(!html.includes("<title>Fixture</title>"), "the _app title should be replaced");
  assertStringIncludes(head, '<meta name="description" content="static page"/>');
});

Deno.test("routes - scanning ignores *_test.ts files and reports broken route files by name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "preau-routes-" });
  try {
    await Deno.writeTextFile(join(dir, "ok.ts"), "export const handler = () => new Response('ok');\n");
    await Deno.writeTextFile(
      join(dir, "ok_test.ts"),
      "throw new Error('a test file was imported as a route');\n",
    );
    const scanned = new Hono();
    const mounted = await mountFsRoutes(scanned, { routesDir: dir, islandsDir: join(dir, "no-islands") });
    assertEquals(mounted.routes.map((r) => r.path), ["/ok"]);
    assertEquals(await (await scanned.request("/ok")).text(), "ok");

    await Deno.writeTextFile(join(dir, "bad.ts"), "export const handler = 42;\n");
    let message = "";
    try {
      await mountFsRoutes(new Hono(), { routesDir: dir, islandsDir: join(dir, "no-islands") });
    } catch (error) {
      message = String(error);
    }
    assertStringIncludes(message, `${basename(dir)}/bad.ts`, "errors name the file inside its routes folder");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("static - files of staticDir are served with an ETag; other paths reach the routes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "preau-static-" });
  try {
    await Deno.mkdir(join(dir, "img"));
    await Deno.writeTextFile(join(dir, "img", "logo.svg"), "<svg/>");
    const withStatic = new Hono();
    await mountFsRoutes(withStatic, {
      routesDir: join(TESTDATA, "routes"),
      islandsDir: join(TESTDATA, "islands"),
      staticDir: dir,
      build: mounted.build,
    });
    const res = await withStatic.request("/img/logo.svg");
    assertEquals(res.status, 200);
    assertStringIncludes(res.headers.get("content-type") ?? "", "image/svg+xml");
    assertEquals(res.headers.get("cache-control"), "public, max-age=0, must-revalidate");
    assertEquals(await res.text(), "<svg/>");
    const etag = res.headers.get("etag")!;
    const again = await withStatic.request("/img/logo.svg", { headers: { "if-none-match": etag } });
    assertEquals(again.status, 304);
    assertEquals(await again.text(), "");
    assertEquals((await withStatic.request("/img/../img/logo.svg")).status, 200);
    assertEquals((await withStatic.request("/img/other.svg")).status, 404);
    assertEquals(idText(await (await withStatic.request("/about")).text(), "param"), undefined);
    assertEquals((await withStatic.request("/img/logo.svg", { method: "POST" })).status, 404);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
