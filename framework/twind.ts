/**
 * Styles: Tailwind classes through twind. The server extracts the CSS of the classes a page's HTML
 * uses into `<style data-twind>` so the first paint is styled without JavaScript; the client boot
 * calls `install(twindConfig)` from the same bundle as the islands, which resumes from that style
 * element and styles classes islands create later.
 */
import { defineConfig, extract, type Twind, twind, virtual } from "@twind/core";
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
let serverTw: Twind<any, any> | undefined;

/**
 * Returns the CSS for the classes used in `html` (preflight included), with the markers twind's
 * client needs to resume from it, and `html` with class attributes normalized by twind.
 */
export function extractStyles(html: string): { html: string; css: string } {
  // One instance for the process: extract() snapshots and restores it around each page.
  serverTw ??= twind(twindConfig, virtual(true));
  return extract(html, serverTw);
}

/** The `<style>` element for {@linkcode extractStyles}' CSS; the client's twind claims it. */
export function styleElement(css: string): string {
  return `<style data-twind>${css.replace(/<\/style/gi, "<\\/style")}</style>`;
}
