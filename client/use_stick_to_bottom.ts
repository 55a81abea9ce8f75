/**
 * Scrolling of the message history: starts at the bottom (or at the "new messages" marker, when
 * one is rendered: the first unread message of someone else); follows new messages only while the
 * reader is already at the bottom (otherwise counts them for a "new messages" button); keeps the
 * reader's place when older messages are prepended above.
 */
import { type RefObject } from "preact";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

/** Distance from the bottom (px) still counted as "at the bottom". */
const SLACK = 48;
/** The marker above the first unread message; the history opens there when it is rendered. */
export const UNREAD_MARKER = "[data-unread-marker]";

/** What changed in the rendered history since the last render. */
export interface HistoryShape {
  /** Key of the first item (changes when older messages are prepended). */
  firstKey: string | undefined;
  /** Key of the last item (changes when something is appended). */
  lastKey: string | undefined;
  /** How many messages from other people are held (the increase is "new" for the button). */
  incoming: number;
}

export interface StickToBottom {
  /** Messages that arrived below while the reader was scrolled up. */
  unseen: number;
  /** Scrolls to the newest message (the button; our own sends). */
  jumpToBottom(): void;
  /** The next append scrolls to the bottom whatever the position (our own message). */
  followNextAppend(): void;
  onScroll(): void;
}

export function useStickToBottom(scroller: RefObject<HTMLElement>, shape: HistoryShape): StickToBottom {
  const atBottom = useRef(true);
  const fromBottom = useRef(0);
  const follow = useRef(false);
  const previous = useRef<HistoryShape | undefined>(undefined);
  const [unseen, setUnseen] = useState(0);
  /**
   * Until the reader scrolls by themselves, the opening place (newest message, or the unread
   * marker) is kept whatever the layout does meanwhile: scroll events arrive late, after long
   * messages finished wrapping, and must not be taken for the reader leaving the bottom.
   */
  const opening = useRef(true);

  /** Scrolls to the opening place: the unread marker when it is above the bottom, else the bottom. */
  const open = () => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    const marker = el.querySelector<HTMLElement>(UNREAD_MARKER);
    if (marker) {
      const offset = marker.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
      el.scrollTop = Math.min(el.scrollTop, offset - 8);
    }
  };

  const measure = () => {
    const el = scroller.current;
    if (!el || opening.current) return;
    fromBottom.current = el.scrollHeight - el.scrollTop;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight <= SLACK;
  };

  const jumpToBottom = useCallback(() => {
    opening.current = false;
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setUnseen(0);
  }, []);

  useLayoutEffect(() => {
    const el = scroller.current;
    const before = previous.current;
    previous.current = shape;
    if (!el) return;
    if (opening.current || before === undefined) {
      open();
    } else if (shape.lastKey !== before.lastKey) {
      if (atBottom.current || follow.current) {
        el.scrollTop = el.scrollHeight;
        setUnseen(0);
      } else if (shape.incoming > before.incoming) {
        setUnseen((n) => n + shape.incoming - before.incoming);
      }
      follow.current = false;
    } else if (shape.firstKey !== before.firstKey) {
      el.scrollTop = el.scrollHeight - fromBottom.current;
    }
    measure();
  }, [shape.firstKey, shape.lastKey, shape.incoming]);

  // Keep following when the pane resizes (mobile keyboard, window resize) and when the history
  // grows after our scroll (long messages wrapping once laid out, a conversation opened from the
  // list whose page arrives in several renders): a reader at the bottom stays there.
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (opening.current) open();
      else if (atBottom.current) el.scrollTop = el.scrollHeight;
      measure();
    });
    observer.observe(el);
    for (const child of el.children) observer.observe(child);
    // The reader's own scrolling ends the opening phase.
    const moved = () => {
      opening.current = false;
    };
    const events = ["wheel", "touchstart", "keydown", "pointerdown"] as const;
    for (const type of events) el.addEventListener(type, moved, { passive: true });
    return () => {
      observer.disconnect();
      for (const type of events) el.removeEventListener(type, moved);
    };
  }, []);

  return {
    unseen,
    jumpToBottom,
    followNextAppend: () => {
      opening.current = false;
      follow.current = true;
    },
    onScroll: () => {
      measure();
      if (atBottom.current && unseen > 0) setUnseen(0);
    },
  };
}
