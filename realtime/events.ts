/**
 * What travels on the fan-out bus between realtime instances, and its text encoding.
 *
 * A `message` event is a HINT, not the truth: "conversation C now has seq N", optionally with the
 * stored messages inline when they are small. Receivers deliver per conversation in `seq` order and
 * fetch from the database any seq they have not seen (see `conversation_stream.ts`), so a hint that
 * is lost, merged with others or stripped of its messages delays nothing but a database read.
 * Message hints therefore need no id: `seq` de-duplicates them.
 *
 * Every other event is delivered once per socket thanks to its random `id`, whichever tiers carried
 * it (the bus remembers recent ids). `resync` never travels: a tier raises it locally when it may
 * have missed events (LISTEN re-established, heartbeat lost), and the instance catches up from the
 * database.
 */
import type { Message } from "../db/models.ts";

/** New messages exist in a conversation, up to `seq` (inclusive). */
export interface MessageHint {
  kind: "message";
  conversationId: string;
  seq: number;
  /** Some of the messages up to `seq`, when they fit; receivers fetch whatever is missing. */
  messages?: Message[];
}

/** Someone started or stopped typing; ephemeral, never stored. */
export interface TypingEvent {
  kind: "typing";
  id: string;
  conversationId: string;
  userId: string;
  name: string;
  typing: boolean;
}

/** A participant's read marker is now `seq`. */
export interface ReadEvent {
  kind: "read";
  id: string;
  conversationId: string;
  userId: string;
  seq: number;
}

/** A conversation was created; every instance pushes it to its members' sockets. */
export interface ConversationEvent {
  kind: "conversation";
  id: string;
  conversationId: string;
}

/** A session was revoked (logout); its sockets close with 4401. */
export interface SessionEndedEvent {
  kind: "session_ended";
  id: string;
  sessionId: string;
}

/** A person lost a membership; their sockets close with 4401. */
export interface MembershipRemovedEvent {
  kind: "membership_removed";
  id: string;
  userId: string;
  establishmentId: string;
}

/** Raised locally by a tier that may have missed events: catch up from the database. */
export interface ResyncEvent {
  kind: "resync";
  reason: string;
}

/** Events that are published and travel between instances. */
export type PublishedEvent =
  | MessageHint
  | TypingEvent
  | ReadEvent
  | ConversationEvent
  | SessionEndedEvent
  | MembershipRemovedEvent;

/** Everything a tier hands to its subscriber. */
export type BusEvent = PublishedEvent | ResyncEvent;

/** A new random event id (UUID v4: unguessable, no coordination needed between instances). */
export function newEventId(): string {
  return crypto.randomUUID();
}

/** Several events from one instance, as text (BroadcastChannel and NOTIFY payloads). */
export interface Envelope {
  /** The sending instance, so a tier can skip its own echoes. */
  src: string;
  events: PublishedEvent[];
  /** Heartbeat number, on heartbeat envelopes only (PostgreSQL tier). */
  hb?: number;
}

/** Encodes an envelope as JSON (Dates become ISO strings). */
export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}

/**
 * Decodes and validates an envelope; `null` for anything malformed. Payloads come from other
 * instances, but any database user can NOTIFY, so nothing is trusted blindly.
 */
export function decodeEnvelope(text: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.src !== "string" || !Array.isArray(value.events)) return null;
  const events: PublishedEvent[] = [];
  for (const raw of value.events) {
    const event = decodeEvent(raw);
    if (event === null) return null;
    events.push(event);
  }
  const envelope: Envelope = { src: value.src, events };
  if (value.hb !== undefined) {
    if (!isSeq(value.hb)) return null;
    envelope.hb = value.hb;
  }
  return envelope;
}

/** One published event from its JSON form, or `null` when malformed. */
export function decodeEvent(raw: unknown): PublishedEvent | null {
  if (!isObject(raw)) return null;
  switch (raw.kind) {
    case "message": {
      if (!isText(raw.conversationId) || !isSeq(raw.seq)) return null;
      const hint: MessageHint = { kind: "message", conversationId: raw.conversationId, seq: raw.seq };
      if (raw.messages !== undefined) {
        if (!Array.isArray(raw.messages)) return null;
        const messages = raw.messages.map(decodeMessage);
        if (messages.some((m) => m === null)) return null;
        hint.messages = messages as Message[];
      }
      return hint;
    }
    case "typing":
      return isText(raw.id) && isText(raw.conversationId) && isText(raw.userId) &&
          typeof raw.name === "string" &&
          typeof raw.typing === "boolean"
        ? {
          kind: "typing",
          id: raw.id,
          conversationId: raw.conversationId,
          userId: raw.userId,
          name: raw.name,
          typing: raw.typing,
        }
        : null;
    case "read":
      return isText(raw.id) && isText(raw.conversationId) && isText(raw.userId) && isSeq(raw.seq)
        ? { kind: "read", id: raw.id, conversationId: raw.conversationId, userId: raw.userId, seq: raw.seq }
        : null;
    case "conversation":
      return isText(raw.id) && isText(raw.conversationId)
        ? { kind: "conversation", id: raw.id, conversationId: raw.conversationId }
        : null;
    case "session_ended":
      return isText(raw.id) && isText(raw.sessionId)
        ? { kind: "session_ended", id: raw.id, sessionId: raw.sessionId }
        : null;
    case "membership_removed":
      return isText(raw.id) && isText(raw.userId) && isText(raw.establishmentId)
        ? { kind: "membership_removed", id: raw.id, userId: raw.userId, establishmentId: raw.establishmentId }
        : null;
    default:
      return null;
  }
}

/** A message from its JSON form (`createdAt` back to a Date), or `null` when malformed. */
export function decodeMessage(raw: unknown): Message | null {
  if (!isObject(raw)) return null;
  const { id, conversationId, seq, senderId, senderName, body, createdAt } = raw;
  if (!isText(id) || !isText(conversationId) || !isSeq(seq) || !isText(senderId)) return null;
  if (typeof senderName !== "string" || typeof body !== "string") return null;
  const date = createdAt instanceof Date
    ? createdAt
    : typeof createdAt === "string"
    ? new Date(createdAt)
    : null;
  if (date === null || Number.isNaN(date.getTime())) return null;
  return { id, conversationId, seq, senderId, senderName, body, createdAt: date };
}

/** Exactly the contract's message fields, whatever extra properties `message` carries. */
export function wireMessage(message: Message): Message {
  const { id, conversationId, seq, senderId, senderName, body, createdAt } = message;
  return { id, conversationId, seq, senderId, senderName, body, createdAt };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 200;
}

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
