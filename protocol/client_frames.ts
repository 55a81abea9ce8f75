/**
 * What clients send on `/ws/chat`: one valibot schema per frame type, told apart by `type`, with
 * the TypeScript types derived from them. The server parses every frame with {@linkcode clientFrame}
 * (a refusal names the field, e.g. "conversationId: expected an id"); the browser builds its frames
 * with the same types. Unicode rules of the message body (NFC, 1–4000 code points, not blank) are
 * applied by the messaging service, which owns them for REST and WebSocket alike.
 */
import * as v from "valibot";
import { codePointLength, storableString } from "./text.ts";

/** Largest PostgreSQL `integer`: seqs beyond it cannot exist, and must not reach SQL. */
export const MAX_SEQ = 2_147_483_647;

/** An id sent by a client: a uuid. */
export const clientIdSchema = v.pipe(storableString("expected an id"), v.uuid("expected an id"));

/** A seq sent by a client. */
export const clientSeq = v.pipe(
  v.number("expected a number"),
  v.integer("expected a whole number"),
  v.minValue(0, "expected 0 or more"),
  v.maxValue(MAX_SEQ, `expected at most ${MAX_SEQ}`),
);

/** The `clientId` of a send: 1–64 code points of storable text. */
export const sendClientId = v.pipe(
  storableString(),
  v.check((s) => codePointLength(s) >= 1 && codePointLength(s) <= 64, "expected 1 to 64 characters"),
);

/** `send`: store a message; answered by `ack` (or `error` with the same `clientId`). */
export const sendFrame = v.object({
  type: v.literal("send"),
  clientId: sendClientId,
  conversationId: clientIdSchema,
  body: storableString(),
});

/** `typing`: the other members are told; repeat `true` at most every 3 s. */
export const typingFrame = v.object({
  type: v.literal("typing"),
  conversationId: clientIdSchema,
  typing: v.boolean("expected true or false"),
});

/** `read`: move the caller's read marker. */
export const readFrame = v.object({
  type: v.literal("read"),
  conversationId: clientIdSchema,
  seq: clientSeq,
});

/** `ping`: answered by `pong`. */
export const pingFrame = v.object({ type: v.literal("ping") });

/** `pong`: the answer to the server's `ping`, echoing its `nonce` (see docs/protocol.md, "Liveness"). */
export const pongFrame = v.object({
  type: v.literal("pong"),
  nonce: v.pipe(
    v.string("expected the nonce of the ping"),
    v.maxLength(64, "expected the nonce of the ping"),
  ),
});

/** Any client frame. */
export const clientFrame = v.variant(
  "type",
  [sendFrame, typingFrame, readFrame, pingFrame, pongFrame],
  "expected one of send, typing, read, ping, pong",
);

export type ClientFrame = v.InferOutput<typeof clientFrame>;
export type SendFrame = v.InferOutput<typeof sendFrame>;
