import { assertEquals } from "../tests/support/assert.ts";
import { extract, twind, virtual } from "@twind/core";
import { extractStyles, twindConfig } from "./twind.ts";

/** What twind itself extracts from `html`, on an instance of its own. */
function twindExtract(html: string) {
  return extract(html, twind(twindConfig, virtual(true)));
}

const pageA =
  `<!DOCTYPE html><html><head></head><body><main class="flex p-4 text-sm"><p class="font-bold px-2 py-1">a</p>` +
  `<span class="hover:underline text-red-600">x</span></main></body></html>`;
const pageB =
  `<!DOCTYPE html><html><head></head><body><main class="flex p-4 text-sm"><p class="italic mt-8">b</p>` +
  `<a class='rounded-lg bg-blue-700' href="/">y</a></main></body></html>`;

Deno.test("extractStyles - each page gets exactly twind's own extract, also when its CSS is reused", () => {
  for (let round = 0; round < 3; round++) {
    assertEquals(extractStyles(pageA), twindExtract(pageA));
    assertEquals(extractStyles(pageB), twindExtract(pageB));
  }
});

Deno.test("extractStyles - a page with the same classes and other text reuses the CSS; another class changes it", () => {
  const first = extractStyles(pageA);
  const sameClasses = extractStyles(pageA.replace(">a<", ">autre texte<"));
  assertEquals(sameClasses.css, first.css);
  const moreClasses = pageA.replace(
    `<p class="font-bold px-2 py-1">`,
    `<p class="font-bold px-2 py-1 tracking-widest">`,
  );
  const changed = extractStyles(moreClasses);
  assertEquals(changed, twindExtract(moreClasses));
  assertEquals(changed.css.includes("tracking-widest"), true);
  assertEquals(first.css.includes("tracking-widest"), false);
});

Deno.test("extractStyles - class attributes are normalized as twind writes them", () => {
  const html = `<div class="py-1 px-2 px-2 hover:(underline font-bold)">z</div>`;
  for (let round = 0; round < 2; round++) assertEquals(extractStyles(html).html, twindExtract(html).html);
});
