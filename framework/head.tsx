/**
 * `<Head>` lets a page, layout or component add elements to the document's `<head>`, e.g.
 * `<Head><title>Messages — My app</title></Head>`. A `<title>` given here replaces the one from
 * `_app.tsx`. It renders nothing in place, and nothing in the browser (islands cannot change the
 * head after hydration; set `document.title` there instead).
 */
import type { ComponentChildren } from "preact";
import { currentRender } from "./render_context.ts";

export function Head(props: { children?: ComponentChildren }): null {
  currentRender()?.head.push(props.children);
  return null;
}
