/**
 * Packs a batch of events into NOTIFY payloads. PostgreSQL refuses payloads of 8000 bytes or more,
 * and every listener of every instance reads every payload, so the batch is made small first:
 *
 * - message hints of one conversation merge into one ("C now has seq N"): the receivers fetch the
 *   seqs they miss with one query instead of reading many payloads;
 * - each message rides inline when it is under `inlineBytes` (a short chat line is; a
 *   4000-character letter is not, and is fetched from the database instead); a conversation whose
 *   inline messages do not fit one payload has its hint cut into several, in seq order, so a burst
 *   into one conversation is still delivered without reading the database;
 * - the result is split into as many payloads as needed, each under `maxBytes`.
 */
import type { Message } from "../db/models.ts";
import type { MessageHint, PublishedEvent } from "../protocol/bus_events.ts";

/** Limits of {@linkcode packPayloads}. */
export interface PayloadLimits {
  /** Largest payload in UTF-8 bytes. Default 7000 (PostgreSQL's hard limit is 8000). */
  maxBytes?: number;
  /** Largest encoded message that rides inline (longer ones are fetched). Default 2000. */
  inlineBytes?: number;
}

const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).length;

/** Merges message hints per conversation (highest seq, inline messages kept in seq order). */
export function mergeHints(events: readonly PublishedEvent[]): PublishedEvent[] {
  const merged: PublishedEvent[] = [];
  const hints = new Map<string, { hint: MessageHint; messages: Map<number, Message> }>();
  for (const event of events) {
    if (event.kind !== "message") {
      merged.push(event);
      continue;
    }
    let entry = hints.get(event.conversationId);
    if (!entry) {
      entry = {
        hint: { kind: "message", conversationId: event.conversationId, seq: event.seq },
        messages: new Map(),
      };
      hints.set(event.conversationId, entry);
      merged.push(entry.hint);
    }
    entry.hint.seq = Math.max(entry.hint.seq, event.seq);
    for (const message of event.messages ?? []) entry.messages.set(message.seq, message);
  }
  for (const { hint, messages } of hints.values()) {
    if (messages.size > 0) hint.messages = [...messages.values()].sort((a, b) => a.seq - b.seq);
  }
  return merged;
}

/** How every event payload of instance `src` begins (`src` first, so a listener can skip its own unparsed). */
export function payloadHead(src: string): string {
  return `{"src":${JSON.stringify(src)},"events":[`;
}

/** The payloads to NOTIFY for `events` sent by instance `src`; see the module documentation. */
export function packPayloads(
  src: string,
  events: readonly PublishedEvent[],
  limits: PayloadLimits = {},
): string[] {
  const maxBytes = limits.maxBytes ?? 7000;
  const inlineBytes = limits.inlineBytes ?? 2000;
  const head = payloadHead(src);
  const tail = "]}";
  const headBytes = byteLength(head);
  const room = maxBytes - headBytes - tail.length;
  const payloads: string[] = [];
  let parts: string[] = [];
  let size = headBytes + tail.length;
  const texts = mergeHints(events).flatMap((event) =>
    event.kind === "message" ? hintTexts(event, inlineBytes, room) : [JSON.stringify(event)]
  );
  for (const text of texts) {
    const bytes = byteLength(text);
    if (bytes > room) {
      // Only a pathological event (ids are bounded) could get here; it cannot travel by NOTIFY.
      console.error(`realtime: dropped an event of ${bytes} bytes, too large for NOTIFY`);
      continue;
    }
    if (parts.length > 0 && size + 1 + bytes > maxBytes) {
      payloads.push(head + parts.join(",") + tail);
      parts = [];
      size = headBytes + tail.length;
    }
    size += bytes + (parts.length > 0 ? 1 : 0);
    parts.push(text);
  }
  if (parts.length > 0) payloads.push(head + parts.join(",") + tail);
  return payloads;
}

/**
 * `hint` as one or more encoded hints of at most `room` bytes each, in seq order: its messages
 * under `inlineBytes` inline, as many to a hint as fit; the last hint says the hint's own seq (so it
 * also covers the messages left out, which receivers read from the database).
 */
function hintTexts(hint: MessageHint, inlineBytes: number, room: number): string[] {
  const { conversationId } = hint;
  const encode = (seq: number, messages: Message[]) =>
    JSON.stringify(
      messages.length > 0
        ? { kind: "message", conversationId, seq, messages }
        : { kind: "message", conversationId, seq },
    );
  // What a hint costs besides its messages: its fields, the brackets, the commas between messages.
  const overhead = byteLength(encode(hint.seq, [])) + `,"messages":[]`.length;
  const texts: string[] = [];
  let chunk: Message[] = [];
  let chunkBytes = 0;
  for (const message of hint.messages ?? []) {
    const bytes = byteLength(JSON.stringify(message));
    if (bytes > inlineBytes || overhead + bytes > room) continue; // read from the database
    if (chunk.length > 0 && overhead + chunkBytes + 1 + bytes > room) {
      texts.push(encode(chunk.at(-1)!.seq, chunk));
      chunk = [];
      chunkBytes = 0;
    }
    chunkBytes += bytes + (chunk.length > 0 ? 1 : 0);
    chunk.push(message);
  }
  texts.push(encode(hint.seq, chunk));
  return texts;
}

/** A heartbeat payload: number `n` from instance `src` (its `events` empty, see {@linkcode carriesEventsOf}). */
export function heartbeatPayload(src: string, n: number): string {
  return `${payloadHead(src)}],"hb":${Math.trunc(n)}}`;
}

/** Whether `payload` is an event payload (not a heartbeat) that begins with `head` ({@linkcode payloadHead}). */
export function carriesEventsOf(payload: string, head: string): boolean {
  return payload.startsWith(head) && payload[head.length] !== "]";
}
