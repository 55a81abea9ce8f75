/**
 * Marks messages read when they are really seen: on screen (IntersectionObserver over every
 * `[data-seq]` element of the history) in a tab that is visible and focused. Re-checked when the
 * tab regains focus or visibility, so a message that arrived in a background tab is marked read
 * only once the reader looks at it.
 */
import type { RefObject } from "preact";
import { useEffect } from "preact/hooks";
import type { ChatStore } from "./chat_store.ts";

export function useReadTracking(
  scroller: RefObject<HTMLElement>,
  store: ChatStore,
  conversationId: string,
  /** Changes whenever the rendered messages change, so new elements get observed. */
  version: unknown,
): void {
  useEffect(() => {
    const root = scroller.current;
    if (!root || typeof IntersectionObserver === "undefined") return;
    const visible = new Set<number>();
    const mark = () => {
      if (document.visibilityState !== "visible" || !document.hasFocus() || visible.size === 0) return;
      store.markRead(conversationId, Math.max(...visible));
    };
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const seq = Number((entry.target as HTMLElement).dataset.seq);
        const half = (entry.rootBounds?.height ?? Infinity) / 2;
        const seen = entry.isIntersecting &&
          (entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= half);
        if (seen) visible.add(seq);
        else visible.delete(seq);
      }
      mark();
    }, { root, threshold: [0, 0.5, 1] });
    for (const el of root.querySelectorAll<HTMLElement>("[data-seq]")) observer.observe(el);
    addEventListener("focus", mark);
    document.addEventListener("visibilitychange", mark);
    return () => {
      observer.disconnect();
      removeEventListener("focus", mark);
      document.removeEventListener("visibilitychange", mark);
    };
  }, [conversationId, version]);
}
