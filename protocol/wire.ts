/**
 * The data objects of the wire contract (JSON: ids are strings, times ISO 8601 UTC strings), as
 * valibot schemas with their TypeScript types derived from them. The browser validates what it
 * receives with these; the server builds the same shapes (see `realtime/frames.ts`).
 *
 * Objects are not strict: a field added to the contract later is dropped by an older client
 * instead of making it refuse the whole object.
 */
import * as v from "valibot";

/** A bounded non-empty string: ids and names travel as such. */
export const text = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
/** A seq: 0 or more, whole. */
export const seq = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
/** An ISO 8601 time as JSON carries it. */
export const isoTime = v.pipe(v.string(), v.isoTimestamp());

/** A role inside one establishment. */
export const role = v.picklist(["admin", "teacher", "parent", "student"]);
export type Role = v.InferOutput<typeof role>;

const messageFields = {
  id: text,
  conversationId: text,
  seq,
  senderId: text,
  senderName: v.string(),
  body: v.string(),
  /** Only in what is sent to the message's own sender: the `clientId` of its `send` (additive). */
  clientId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
};

/** A stored message as clients receive it. */
export const wireMessage = v.object({ ...messageFields, createdAt: isoTime });
export type WireMessage = v.InferOutput<typeof wireMessage>;

/**
 * A stored message as server instances pass it to each other: the same JSON, read back with its
 * time as a `Date` (the server's `Message`).
 */
export const storedMessage = v.object({
  ...messageFields,
  createdAt: v.pipe(isoTime, v.transform((s) => new Date(s))),
});

/**
 * Where a person stands in the conversation's (or search's) establishment: the classes they teach or
 * are a pupil of (with the subject taught, if any) and the children they are a guardian of with their
 * classes, of the establishment's newest school year. Clients word it ("parent de Léa, CM2 A",
 * `i18n/affiliation.ts`). Absent keys mean none; the whole field is absent or null for someone with
 * neither (additive).
 */
export const affiliation = v.object({
  classes: v.optional(v.array(v.object({ name: v.string(), subject: v.optional(v.string()) }))),
  children: v.optional(v.array(v.object({ name: v.string(), classes: v.array(v.string()) }))),
});
export type WireAffiliation = v.InferOutput<typeof affiliation>;

/** A conversation participant (current members only). */
export const participant = v.object({
  id: text,
  name: v.string(),
  role,
  /** Additive: how far they have read, and when that last moved (read receipts). */
  readSeq: v.optional(seq),
  readAt: v.optional(v.nullable(v.string())),
  deactivated: v.optional(v.literal(true)),
  /** Additive: their classes and children (see {@linkcode affiliation}). */
  affiliation: v.optional(v.nullable(affiliation)),
});
export type Participant = v.InferOutput<typeof participant>;

/** A conversation as one participant sees it in their list. */
export const wireConversation = v.object({
  id: text,
  establishmentId: text,
  title: v.nullable(v.string()),
  participants: v.array(participant),
  lastMessage: v.nullable(wireMessage),
  lastSeq: seq,
  readSeq: seq,
  unread: seq,
  updatedAt: isoTime,
});
export type WireConversation = v.InferOutput<typeof wireConversation>;

/** Per-conversation counters of `hello`. */
export const conversationState = v.object({
  id: text,
  establishmentId: text,
  lastSeq: seq,
  readSeq: seq,
  unread: seq,
});
export type ConversationState = v.InferOutput<typeof conversationState>;

/** Someone the caller may write to (`GET /api/recipients`). */
export const recipient = v.object({
  id: text,
  name: v.string(),
  email: v.string(),
  role,
  /** Additive: their classes and children (see {@linkcode affiliation}). */
  affiliation: v.optional(v.nullable(affiliation)),
});
export type Recipient = v.InferOutput<typeof recipient>;

/** `GET /api/conversations`. */
export const conversationsAnswer = v.object({ conversations: v.array(wireConversation) });
/** `POST /api/conversations`. */
export const conversationAnswer = v.object({ conversation: wireConversation });
/** `GET /api/conversations/:id/messages`. */
export const messagesAnswer = v.object({ messages: v.array(wireMessage) });
/** `GET /api/recipients`. */
export const recipientsAnswer = v.object({ recipients: v.array(recipient) });
