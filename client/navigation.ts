/**
 * Switching conversations without reloading the page (the socket and the store stay), while the
 * address bar keeps a deep link that survives reloads: `${basePath}/${id}`, or `basePath` for the
 * list alone. Links stay real links, so a middle click or a page without JavaScript still works.
 */
import type { ChatStore } from "./chat_store.ts";

let listening = false;

/** The conversation a path names under `basePath`, or null for the list itself. */
export function conversationFromPath(basePath: string, pathname: string): string | null {
  if (!pathname.startsWith(`${basePath}/`)) return null;
  const rest = pathname.slice(basePath.length + 1);
  return rest === "" || rest.includes("/") ? null : decodeURIComponent(rest);
}

/** The address of a conversation (or of the list, for null). */
export function conversationHref(basePath: string, id: string | null): string {
  return id === null ? basePath : `${basePath}/${encodeURIComponent(id)}`;
}

/** Shows `id` and records it in the history; back/forward are followed too. */
export function navigateTo(store: ChatStore, id: string | null): void {
  listenToHistory(store);
  const href = conversationHref(store.boot.basePath, id);
  if (location.pathname !== href) history.pushState({ conversationId: id }, "", href);
  store.select(id);
}

/** Whether a click should be handled here rather than by the browser (new tab, download…). */
export function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

function listenToHistory(store: ChatStore): void {
  if (listening) return;
  listening = true;
  addEventListener("popstate", () => {
    store.select(conversationFromPath(store.boot.basePath, location.pathname));
  });
}
