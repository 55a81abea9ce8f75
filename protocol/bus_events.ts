/**
 * What travels on the fan-out bus between Préau instances (BroadcastChannel between isolates,
 * PostgreSQL NOTIFY between processes), as valibot schemas with the types derived from them.
 *
 * A `message` event is a HINT, not the truth: "conversation C now has seq N", optionally with the
 * stored messages inline when they are small. Receivers deliver per conversation in `seq` order and
 * fetch from the database any seq they have not seen (see `realtime/conversation_stream.ts`), so a
 * hint that is lost, merged with others or stripped of its messages delays nothing but a database
 * read. Message hints therefore need no id: `seq` de-duplicates them.
 *
 * Every other event is delivered once per socket thanks to its random `id`, whichever tiers carried
 * it (the bus remembers recent ids). `resync` never travels: a tier raises it locally when it may
 * have missed events (LISTEN re-established, heartbeat lost), and the instance catches up from the
 * database.
 *
 * Payloads come from other instances, but any database user can NOTIFY: nothing is trusted before
 * {@linkcode decodeEnvelope} has checked it.
 */
import * as v from "valibot";
import { seq, storedMessage, text } from "./wire.ts";

/** New messages exist in a conversation, up to `seq` (inclusive). */
export const messageHint = v.object({
  kind: v.literal("message"),
  conversationId: text,
  seq,
  /** Some of the messages up to `seq`, when they fit; receivers fetch whatever is missing. */
  messages: v.optional(v.array(storedMessage)),
});

/** Someone started or stopped typing; ephemeral, never stored. */
export const typingEvent = v.object({
  kind: v.literal("typing"),
  id: text,
  conversationId: text,
  userId: text,
  name: v.string(),
  typing: v.boolean(),
});

/** A participant's read marker is now `seq`. */
export const readEvent = v.object({
  kind: v.literal("read"),
  id: text,
  conversationId: text,
  userId: text,
  seq,
});

/** A conversation was created; every instance pushes it to its members' sockets. */
export const conversationEvent = v.object({
  kind: v.literal("conversation"),
  id: text,
  conversationId: text,
});

/** A session ended (sign-out, revocation): its sockets close with 4401. */
export const sessionEndedEvent = v.object({ kind: v.literal("session_ended"), id: text, sessionId: text });

/** A person's membership of an establishment changed (removed, role changed): their sockets close with 4401. */
export const membershipChangedEvent = v.object({
  kind: v.literal("membership_changed"),
  id: text,
  userId: text,
  establishmentId: text,
});

/** An establishment's messaging settings changed; its members' sockets get a `settings` frame. */
export const settingsEvent = v.object({
  kind: v.literal("settings"),
  id: text,
  establishmentId: text,
  mode: v.picklist(["open", "staff_start", "families_silenced"]),
});

/** Events that are published and travel between instances. */
export const publishedEvent = v.variant("kind", [
  messageHint,
  typingEvent,
  readEvent,
  conversationEvent,
  sessionEndedEvent,
  membershipChangedEvent,
  settingsEvent,
]);

/** Several events from one instance, as text (BroadcastChannel and NOTIFY payloads). */
export const envelope = v.object({
  /** The sending instance, so a tier can skip its own echoes. */
  src: text,
  events: v.array(publishedEvent),
  /** Heartbeat number, on heartbeat envelopes only (PostgreSQL tier). */
  hb: v.optional(seq),
});

export type MessageHint = v.InferOutput<typeof messageHint>;
export type TypingEvent = v.InferOutput<typeof typingEvent>;
export type ReadEvent = v.InferOutput<typeof readEvent>;
export type ConversationEvent = v.InferOutput<typeof conversationEvent>;
export type SessionEndedEvent = v.InferOutput<typeof sessionEndedEvent>;
export type MembershipChangedEvent = v.InferOutput<typeof membershipChangedEvent>;
export type PublishedEvent = v.InferOutput<typeof publishedEvent>;
export type Envelope = v.InferOutput<typeof envelope>;

/** Raised locally by a tier that may have missed events: catch up from the database. */
export interface ResyncEvent {
  kind: "resync";
  reason: string;
}

/** Everything a tier hands to its subscriber. */
export type BusEvent = PublishedEvent | ResyncEvent;

/** A new random event id (UUID v4: unguessable, no coordination needed between instances). */
export function newEventId(): string {
  return crypto.randomUUID();
}

/** Encodes an envelope as JSON (Dates become ISO strings). */
export function encodeEnvelope(value: Envelope): string {
  return JSON.stringify(value);
}

/** Decodes and validates an envelope; `null` for anything malformed. */
export function decodeEnvelope(payload: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  const result = v.safeParse(envelope, value);
  return result.success ? result.output : null;
}
