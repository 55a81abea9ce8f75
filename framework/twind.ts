/**
 * Styles: Tailwind classes through twind. The server extracts the CSS of the classes a page's HTML
 * uses into `<style data-twind>` so the first paint is styled without JavaScript; the client boot
 * calls `install(twindConfig)` from the same bundle as the islands, which resumes from that style
 * element and styles classes islands create later.
 */
import { consume, defineConfig, extract, type Twind, twind, virtual } from "@twind/core";
import presetTailwind from "@twind/preset-tailwind";

/**
 * The one twind configuration for server and client. `hash: false` keeps class names readable
 * and identical on both sides, so hydration sees the server's class attributes unchanged.
 */
export const twindConfig = defineConfig({
  presets: [presetTailwind()],
  hash: false,
});

// deno-lint-ignore no-explicit-any
type AnyTwind = Twind<any, any>;

let serverTw: AnyTwind | undefined;

/** How many pages' CSS is kept, by the class attributes they use (a few MiB at most). */
const CSS_CACHE_ENTRIES = 128;
/** How many class attributes' normalized forms are kept (cleared when full). */
const CLASS_CACHE_ENTRIES = 20_000;

/** Page CSS by the page's distinct class attributes in order of appearance, least recent first. */
const cssByClasses = new Map<string, string>();
/** A class attribute as written → as twind writes it back (independent of what else is on the page). */
const normalizedClasses = new Map<string, string>();

/**
 * Returns the CSS for the classes used in `html` (preflight included), with the markers twind's
 * client needs to resume from it, and `html` with class attributes normalized by twind.
 *
 * The result is twind's `extract`, which translates every class of the page again each time
 * (about a third of a page render). Pages of one kind use the same class attributes, so the CSS is
 * kept by the list of distinct class attributes, read by twind's own markup parser: a page with the
 * same list gets the same CSS without translating anything.
 */
export function extractStyles(html: string): { html: string; css: string } {
  // One instance for the process: each page's work is undone by a snapshot restore.
  const tw = serverTw ??= twind(twindConfig, virtual(true));
  const seen = new Set<string>();
  const restore = tw.snapshot();
  let normalizedHtml: string;
  try {
    normalizedHtml = consume(
      html,
      ((value: string) => {
        seen.add(value);
        let normalized = normalizedClasses.get(value);
        if (normalized === undefined) {
          const written = tw(value);
          // twind's markup pass compares (splitting and sorting) whenever the two differ; the same
          // classes in another order are left as written, so say so once here.
          normalized = sameClasses(value, written) ? value : written;
          if (normalizedClasses.size >= CLASS_CACHE_ENTRIES) normalizedClasses.clear();
          normalizedClasses.set(value, normalized);
        }
        return normalized;
      }) as AnyTwind,
    );
  } finally {
    restore();
  }
  const key = [...seen].join("\n");
  const css = cssByClasses.get(key);
  if (css !== undefined) {
    cssByClasses.delete(key); // most recently used last
    cssByClasses.set(key, css);
    return { html: normalizedHtml, css };
  }
  const extracted = extract(html, tw);
  if (cssByClasses.size >= CSS_CACHE_ENTRIES) cssByClasses.delete(cssByClasses.keys().next().value!);
  cssByClasses.set(key, extracted.css);
  return extracted;
}

function sameClasses(a: string, b: string): boolean {
  return a === b || String(a.split(" ").sort()) === String(b.split(" ").sort());
}

/** The `<style>` element for {@linkcode extractStyles}' CSS; the client's twind claims it. */
export function styleElement(css: string): string {
  return `<style data-twind>${css.replace(/<\/style/gi, "<\\/style")}</style>`;
}
