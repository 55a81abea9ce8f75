import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { compareSegments, honoPatterns, isTestFile, routeSegments } from "./path_mapping.ts";

const patterns = (path: string) => honoPatterns(routeSegments(path));

Deno.test("path mapping - files map to hono patterns the Fresh way", () => {
  assertEquals(patterns("index.tsx"), ["/"]);
  assertEquals(patterns("about.tsx"), ["/about"]);
  assertEquals(patterns("blog/index.tsx"), ["/blog"]);
  assertEquals(patterns("[id].tsx"), ["/:id"]);
  assertEquals(patterns("users/[id]/messages.ts"), ["/users/:id/messages"]);
  assertEquals(patterns("(group)/x.tsx"), ["/x"]);
  assertEquals(patterns("a/(g)/(h)/[b].tsx"), ["/a/:b"]);
  assertEquals(patterns("docs/[...slug].tsx"), ["/docs", "/docs/:slug{.+}"]);
  assertEquals(patterns("[...all].tsx"), ["/", "/:all{.+}"]);
});

Deno.test("path mapping - bad names are refused with the file in the message", () => {
  assertThrows(() => routeSegments("post-[id].tsx"), /post-\[id\]\.tsx: segment/);
  assertThrows(() => routeSegments("[a-b].tsx"), /not a valid parameter name/);
  assertThrows(() => routeSegments("[...rest]/x.tsx"), /cannot be a catch-all/);
});

Deno.test("path mapping - static sorts before [param] before [...rest], index before [param]", () => {
  const files = ["[...rest].tsx", "[id].tsx", "about.tsx", "index.tsx", "blog/[slug].tsx", "blog/new.tsx"];
  const sorted = files.map((f) => ({ f, s: routeSegments(f) })).sort((a, b) => compareSegments(a.s, b.s));
  assertEquals(sorted.map((x) => x.f), [
    "index.tsx",
    "about.tsx",
    "blog/new.tsx",
    "blog/[slug].tsx",
    "[id].tsx",
    "[...rest].tsx",
  ]);
});

Deno.test("path mapping - test files are recognised", () => {
  assertEquals(["a_test.ts", "a.test.tsx", "a.ts", "test.ts", "_test.ts"].map(isTestFile), [
    true,
    true,
    false,
    false,
    true,
  ]);
});
