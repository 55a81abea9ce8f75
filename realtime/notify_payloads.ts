/**
 * Packs a batch of events into NOTIFY payloads. PostgreSQL refuses payloads of 8000 bytes or more,
 * and every listener of every instance reads every payload, so the batch is made small first:
 *
 * - message hints of one conversation merge into one ("C now has seq N"): the receivers fetch the
 *   seqs they miss with one query instead of reading many payloads;
 * - messages ride inline only while their conversation's hint stays under `inlineBytes` (a short
 *   chat line does; a 4000-character letter does not and is fetched from the database instead);
 * - the result is split into as many payloads as needed, each under `maxBytes`.
 */
import type { Message } from "../db/models.ts";
import type { MessageHint, PublishedEvent } from "../protocol/bus_events.ts";

/** Limits of {@linkcode packPayloads}. */
export interface PayloadLimits {
  /** Largest payload in UTF-8 bytes. Default 7000 (PostgreSQL's hard limit is 8000). */
  maxBytes?: number;
  /** Largest encoded message hint that keeps its inline messages. Default 2000. */
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
  const payloads: string[] = [];
  let parts: string[] = [];
  let size = byteLength(head) + tail.length;

  for (const event of mergeHints(events)) {
    let text = JSON.stringify(event);
    if (event.kind === "message" && event.messages && byteLength(text) > inlineBytes) {
      text = JSON.stringify({ kind: "message", conversationId: event.conversationId, seq: event.seq });
    }
    const bytes = byteLength(text);
    if (byteLength(head) + bytes + tail.length > maxBytes) {
      // Only a pathological event (ids are bounded) could get here; it cannot travel by NOTIFY.
      console.error(`realtime: dropped a ${event.kind} event of ${bytes} bytes, too large for NOTIFY`);
      continue;
    }
    if (parts.length > 0 && size + 1 + bytes > maxBytes) {
      payloads.push(head + parts.join(",") + tail);
      parts = [];
      size = byteLength(head) + tail.length;
    }
    size += bytes + (parts.length > 0 ? 1 : 0);
    parts.push(text);
  }
  if (parts.length > 0) payloads.push(head + parts.join(",") + tail);
  return payloads;
}

/** A heartbeat payload: number `n` from instance `src` (its `events` empty, see {@linkcode carriesEventsOf}). */
export function heartbeatPayload(src: string, n: number): string {
  return `${payloadHead(src)}],"hb":${Math.trunc(n)}}`;
}

/** Whether `payload` is an event payload (not a heartbeat) that begins with `head` ({@linkcode payloadHead}). */
export function carriesEventsOf(payload: string, head: string): boolean {
  return payload.startsWith(head) && payload[head.length] !== "]";
}
