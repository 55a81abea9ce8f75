/**
 * Scrolling of the message history: starts at the bottom; follows new messages only while the
 * reader is already at the bottom (otherwise counts them for a "new messages" button); keeps the
 * reader's place when older messages are prepended above.
 */
import { type RefObject } from "preact";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

/** Distance from the bottom (px) still counted as "at the bottom". */
const SLACK = 48;

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

  const measure = () => {
    const el = scroller.current;
    if (!el) return;
    fromBottom.current = el.scrollHeight - el.scrollTop;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight <= SLACK;
  };

  const jumpToBottom = useCallback(() => {
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
    if (before === undefined) {
      el.scrollTop = el.scrollHeight;
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

  // Keep following when the pane itself resizes (mobile keyboard, window resize).
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  return {
    unseen,
    jumpToBottom,
    followNextAppend: () => {
      follow.current = true;
    },
    onScroll: () => {
      measure();
      if (atBottom.current && unseen > 0) setUnseen(0);
    },
  };
}
