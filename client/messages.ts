/**
 * Pure helpers over a conversation's messages: merging pages and frames (de-duplicated by id,
 * ordered by seq) and finding holes, since seqs are gapless per conversation.
 */
import type { WireMessage } from "./types.ts";

/** `held` plus `incoming`, one entry per id, ascending by seq. Returns `held` itself when nothing is new. */
export function mergeMessages(held: readonly WireMessage[], incoming: readonly WireMessage[]): WireMessage[] {
  // The common case — live frames, a page after the last held — appends without the id set and the
  // sort, whose cost grows with the thread: a tab left open all day in a busy conversation, or a
  // harness holding a thousand of them, would pay it for every frame. Seqs are unique per conversation.
  if (ascendingAfter(lastSeqOf(held), incoming)) {
    return incoming.length === 0 ? held as WireMessage[] : held.concat(incoming);
  }
  const ids = new Set(held.map((m) => m.id));
  const fresh = incoming.filter((m) => {
    if (ids.has(m.id)) return false;
    ids.add(m.id);
    return true;
  });
  if (fresh.length === 0) return held as WireMessage[];
  return [...held, ...fresh].sort((a, b) => a.seq - b.seq);
}

/**
 * The seq after which messages are missing: the last seq before the first hole in `held`, or
 * undefined when `held` is contiguous.
 */
export function firstGap(held: readonly WireMessage[]): number | undefined {
  for (let i = 1; i < held.length; i++) {
    if (held[i]!.seq > held[i - 1]!.seq + 1) return held[i - 1]!.seq;
  }
  return undefined;
}

/** The highest seq held, or 0. */
export function lastSeqOf(held: readonly WireMessage[]): number {
  return held.at(-1)?.seq ?? 0;
}

/** Whether `messages` have strictly increasing seqs, all above `after`. */
function ascendingAfter(after: number, messages: readonly WireMessage[]): boolean {
  let last = after;
  for (const message of messages) {
    if (message.seq <= last) return false;
    last = message.seq;
  }
  return true;
}
