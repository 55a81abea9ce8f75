/**
 * Renders one page to a complete HTML document: `_app` around the layouts (outer first) around the
 * page, then injects `<Head>` content and the twind `<style>` into `<head>`, and — only when the
 * render used an island — the props state script and the boot module script before `</body>`.
 */
import { type ComponentType, Fragment, h } from "preact";
import { renderToString } from "preact-render-to-string";
import type { BuildResult } from "./build.ts";
import { JS_PREFIX, STATE_ID } from "./constants.ts";
import { newRenderState, withRenderState } from "./render_context.ts";
import { serialize } from "./serialize.ts";
import { extractStyles, styleElement } from "./twind.ts";
import type { AppProps, PageProps } from "./types.ts";

/** What {@linkcode renderDocument} renders. */
export interface RenderInput {
  // deno-lint-ignore no-explicit-any
  app: ComponentType<any> | undefined;
  /** Outer first. */
  // deno-lint-ignore no-explicit-any
  layouts: ComponentType<any>[];
  // deno-lint-ignore no-explicit-any
  page: ComponentType<any>;
  /** Passed to the page, every layout and `_app` (plus `Component` for the latter two). */
  props: PageProps & Record<string, unknown>;
  /** The client build; required as soon as the page renders an island. */
  build: BuildResult | undefined;
  /** Render without `_app` (a route's or layout's `config.skipAppWrapper`). Default `false`. */
  skipApp?: boolean;
}

/** Renders a full document (with `<!DOCTYPE html>`) as a string. */
export function renderDocument(input: RenderInput): string {
  const { props } = input;
  let inner: ComponentType = () => h(input.page, props);
  for (const layout of [...input.layouts].reverse()) {
    const next: ComponentType = inner;
    inner = () => h(layout, { ...props, Component: next });
  }
  const state = newRenderState();
  const body = withRenderState(
    state,
    () =>
      renderToString(
        input.skipApp ? h(inner, null) : h(input.app ?? DefaultApp, { ...props, Component: inner }),
      ),
  );
  const headHtml = state.head.length > 0 ? renderToString(h(Fragment, null, state.head)) : "";

  let html = "<!DOCTYPE html>" + body;
  if (/<title[\s>]/i.test(headHtml)) html = removeAppTitle(html);
  html = insertInHead(html, headHtml);
  const styled = extractStyles(html);
  html = insertInHead(styled.html, styleElement(styled.css));

  if (state.islands.length > 0) {
    const build = input.build;
    const missing = state.islands.find((island) => !build?.islands.includes(island.name));
    if (build === undefined || missing !== undefined) {
      throw new Error(
        `island ${missing?.name} was rendered but is not in the client build; is its file ` +
          `inside the islandsDir given to mountFsRoutes?`,
      );
    }
    let payload: string;
    try {
      payload = serialize(state.islands);
    } catch (error) {
      throw new Error(
        `${describeSerializeError(error, state.islands)}; pass only serializable data or signals`,
        {
          cause: error,
        },
      );
    }
    const scripts = `<script type="application/json" id="${STATE_ID}">${payload}</script>` +
      `<script type="module" src="${JS_PREFIX}${build.entry}"></script>`;
    // Slicing, not String.replace: a `$&` or `$'` in the payload would be read as a pattern.
    const end = html.lastIndexOf("</body>");
    html = end >= 0 ? html.slice(0, end) + scripts + html.slice(end) : html + scripts;
  }
  return html;
}

/** A `text/html` response for a rendered document. */
export function htmlResponse(html: string, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
  return new Response(html, { ...init, headers });
}

function DefaultApp({ Component }: AppProps) {
  return h(
    "html",
    null,
    h(
      "head",
      null,
      h("meta", { charset: "utf-8" }),
      h("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
    ),
    h("body", null, h(Component, null)),
  );
}

function insertInHead(html: string, content: string): string {
  if (content === "") return html;
  const end = html.search(/<\/head>/i);
  if (end >= 0) return html.slice(0, end) + content + html.slice(end);
  const htmlOpen = /<html[^>]*>/i.exec(html);
  if (htmlOpen) {
    const at = htmlOpen.index + htmlOpen[0].length;
    return `${html.slice(0, at)}<head>${content}</head>${html.slice(at)}`;
  }
  return html.replace("<!DOCTYPE html>", `<!DOCTYPE html><head>${content}</head>`);
}

/** A `<title>` from `<Head>` replaces the one `_app` put in `<head>`. */
function removeAppTitle(html: string): string {
  const end = html.search(/<\/head>/i);
  if (end < 0) return html;
  return html.slice(0, end).replace(/<title[\s>][\s\S]*?<\/title>/i, "") + html.slice(end);
}

function describeSerializeError(error: unknown, islands: { name: string }[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const path = (error as { path?: string }).path ?? "";
  const index = /^\[(\d+)\]/.exec(path);
  const island = index ? islands[Number(index[1])]?.name : undefined;
  const prop = /\.props\.([^.[\]]+)/.exec(path)?.[1];
  return island
    ? `island ${island}: prop "${prop ?? path}" cannot be sent to the browser (${message})`
    : message;
}
