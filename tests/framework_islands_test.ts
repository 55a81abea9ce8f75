/**
 * Islands on the server side of `framework/`: markers, the one state script, no script on pages
 * without islands, the client build (served immutable, hashed names that follow the sources,
 * prebuilt `_build/` reuse, readable build errors) and twind styles in the HTML.
 */
import { Hono } from "hono";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Signal } from "@preact/signals";
import { buildIslands, deserialize, loadBuild, mountFsRoutes } from "../framework/mod.ts";
import { EVIL } from "../framework/testdata/routes/xss.tsx";
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";

const TESTDATA = fileURLToPath(new URL("../framework/testdata/", import.meta.url));
const ISLANDS = join(TESTDATA, "islands");

const app = new Hono();
const mounted = await mountFsRoutes(app, { routesDir: join(TESTDATA, "routes"), islandsDir: ISLANDS });

function count(text: string, part: string | RegExp): number {
  return text.split(part).length - 1;
}

function stateText(html: string): string {
  const match = /<script type="application\/json" id="__ISLANDS_STATE__">([\s\S]*?)<\/script>/.exec(html);
  assert(match, "no state script in the page");
  return match[1]!;
}

interface IslandState {
  name: string;
  props: Record<string, unknown>;
  slot: boolean;
}

Deno.test("islands - a page that renders no island ships no script at all", async () => {
  const html = await (await app.request("/about")).text();
  assertEquals(count(html.toLowerCase(), "<script"), 0, html);
  assertEquals(count(html, "x-island"), 0);
});

Deno.test("islands - a page with islands has one module script and one state script", async () => {
  const html = await (await app.request("/islands_page")).text();
  assertEquals(count(html.toLowerCase(), "<script"), 2);
  assertEquals(count(html, '<script type="application/json" id="__ISLANDS_STATE__">'), 1);
  assertEquals(count(html, `<script type="module" src="/_islands/js/${mounted.build!.entry}"></script>`), 1);
  assert(html.indexOf("__ISLANDS_STATE__") > html.indexOf("</main>"), "scripts belong at the end of <body>");
});

Deno.test("islands - top-level islands are marked, islands inside an island's own render are not", async () => {
  const html = await (await app.request("/islands_page")).text();
  // Greeter twice (top level + inside Box's server children), never the one Outer renders itself.
  assertEquals(count(html, '<x-island data-island="Greeter"'), 2);
  assertEquals(count(html, '<x-island data-island="Outer"'), 1);
  assertEquals(count(html, '<x-island data-island="Count"'), 2);
  assertStringIncludes(html, "Hello inner");
  const states = deserialize<IslandState[]>(stateText(html));
  assertEquals(states.map((s) => s.name), ["Greeter", "Count", "Count", "Box", "Greeter", "Outer"]);
});

Deno.test("islands - props keep Date, Map and undefined; a signal given to two islands is one signal", async () => {
  const states = deserialize<IslandState[]>(stateText(await (await app.request("/islands_page")).text()));
  const greeter = states[0]!.props;
  assert(greeter.when instanceof Date && greeter.when.toISOString() === "2024-05-06T07:08:09.000Z");
  assert(greeter.tags instanceof Map && greeter.tags.get("b") === 2);
  assert("missing" in greeter && greeter.missing === undefined);
  const a = states[1]!.props.count as Signal<number>;
  const b = states[2]!.props.count as Signal<number>;
  assertEquals(a.value, 41);
  assert(a === b, "the two Count islands must share one signal");
});

Deno.test("islands - children passed to an island render as a static slot holding their own islands", async () => {
  const html = await (await app.request("/islands_page")).text();
  const box = html.slice(html.indexOf('data-island="Box"'));
  const slot = box.indexOf('<x-slot data-slot="3" style="display:contents">');
  assert(slot > 0, "Box's children should be in its slot");
  assert(box.indexOf('data-island="Greeter"') > slot, "the slotted Greeter is an island of its own");
  const states = deserialize<IslandState[]>(stateText(html));
  assertEquals(states[3], { name: "Box", props: { title: "box" }, slot: true });
});

Deno.test("islands - a prop containing </script> cannot break out of the state script", async () => {
  const html = await (await app.request("/xss")).text();
  assertEquals(count(html.toLowerCase(), "<script"), 2, "the prop must not create a script element");
  assert(!html.includes("alert(1)</script>"), "raw </script> from the prop reached the HTML");
  const text = stateText(html);
  assert(!/[<>\u2028\u2029]/.test(text), "the state script must not contain < > or U+2028/2029");
  assertEquals(deserialize<IslandState[]>(text)[0]!.props.name, EVIL);
});

Deno.test("islands - a function prop fails the render with the island and prop named in the log", async () => {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args);
  let res: Response;
  try {
    res = await app.request("/function_prop");
  } finally {
    console.error = original;
  }
  assertEquals(res.status, 500);
  assert(!(await res.text()).includes("not data"));
  assertStringIncludes(String(logged[0]?.[1]), 'island Box: prop "title" cannot be sent to the browser');
});

Deno.test("islands - the client build is served with immutable caching; unknown files are 404", async () => {
  const build = mounted.build!;
  assert(/^boot-[0-9a-f]{12}\.js$/.test(build.entry), build.entry);
  for (const name of build.files.keys()) {
    const res = await app.request(`/_islands/js/${name}`);
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assertEquals(res.headers.get("content-type"), "text/javascript; charset=utf-8");
    assertEquals(new Uint8Array(await res.arrayBuffer()), build.files.get(name));
  }
  const missing = await app.request("/_islands/js/boot-000000000000.js");
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("islands - one build holds every island and one Preact copy", () => {
  const build = mounted.build!;
  assertEquals(build.islands, ["Box", "Count", "CounterButton", "CounterDisplay", "Greeter", "Outer"]);
  const all = [...build.files.values()].map((f) => new TextDecoder().decode(f)).join("\n");
  const boot = new TextDecoder().decode(build.files.get(build.entry));
  for (const island of build.islands) assert(boot.includes(`${island}`), `boot does not load ${island}`);
  // Strings that exist once per copy of Preact (its non-dimensional CSS property test) and of
  // signals-core (its brand symbol): more than one means islands and boot got separate copies.
  assertEquals(count(all, "acit|ex(?:s|g|n|p|$)|rph|grid"), 1, "Preact bundled more than once");
  assertEquals(count(all, "preact-signals"), 1, "signals-core bundled more than once");
});

Deno.test("styles - the HTML carries the CSS of the twind classes it uses", async () => {
  const html = await (await app.request("/")).text();
  const style = /<style data-twind>([\s\S]*?)<\/style>/.exec(html)?.[1];
  assert(style, "no <style data-twind> in the page");
  assert(html.indexOf("<style data-twind>") < html.indexOf("</head>"), "the style belongs in <head>");
  assert(/\.p-4\{padding:1rem\}/.test(style), "no rule for p-4");
  assert(/\.text-blue-600\{[^}]*color:rgba\(37,99,235/.test(style), "no rule for text-blue-600");
  assert(!style.includes(".text-red-500"), "only used classes are extracted");
});

Deno.test("build - names are stable for the same sources and change with an island's source", async () => {
  const dir = await Deno.makeTempDir({ prefix: "x-islands-" });
  try {
    const file = join(dir, "Hello.tsx");
    await Deno.writeTextFile(file, "export default function Hello() { return <p>one</p>; }\n");
    const first = await buildIslands({ islandsDir: dir });
    const again = await buildIslands({ islandsDir: dir });
    assertEquals([...again.files.keys()].sort(), [...first.files.keys()].sort());
    await Deno.writeTextFile(file, "export default function Hello() { return <p>two</p>; }\n");
    const second = await buildIslands({ islandsDir: dir });
    assert(first.entry !== second.entry, "the boot name must change when an island changes");
    const chunk = (names: Iterable<string>) => [...names].find((n) => n.startsWith("Hello-"));
    assert(chunk(first.files.keys()) !== chunk(second.files.keys()), "the island chunk name must change");
    assert(first.sourceHash !== second.sourceHash);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build - a broken island fails with its file, position and the error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "x-islands-" });
  try {
    await Deno.writeTextFile(
      join(dir, "Broken.tsx"),
      "export default function Broken() {\n  return <p>;\n}\n",
    );
    let message = "";
    try {
      await mountFsRoutes(new Hono(), { routesDir: join(TESTDATA, "routes"), islandsDir: dir });
    } catch (error) {
      message = String(error);
    }
    assertStringIncludes(message, "IslandBuildError");
    assert(/x-islands-\w+\/Broken\.tsx:\d+:\d+/.test(message), message);
    assertStringIncludes(message, "SyntaxError");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build - a prebuilt build dir is used while current and ignored once stale", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "preau-build-" });
  try {
    const written = await buildIslands({ islandsDir: ISLANDS, outDir });
    const manifest = JSON.parse(await Deno.readTextFile(join(outDir, "manifest.json")));
    assertEquals(manifest.entry, written.entry);
    const loaded = await loadBuild(outDir, { islandsDir: ISLANDS });
    assert(loaded.status === "ok" && loaded.build.entry === written.entry);

    // Mark a served file on disk: serving the mark proves the start used the prebuilt files.
    const chunk = [...written.files.keys()].find((n) => n.startsWith("chunk-"))!;
    await Deno.writeTextFile(join(outDir, chunk), "// from disk\n");
    const fromDisk = new Hono();
    await mountFsRoutes(fromDisk, {
      routesDir: join(TESTDATA, "routes"),
      islandsDir: ISLANDS,
      buildDir: outDir,
    });
    assertEquals(await (await fromDisk.request(`/_islands/js/${chunk}`)).text(), "// from disk\n");

    await Deno.writeTextFile(
      join(outDir, "manifest.json"),
      JSON.stringify({ ...manifest, sourceHash: "old" }),
    );
    assertEquals((await loadBuild(outDir, { islandsDir: ISLANDS })).status, "stale");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
