/**
 * What the server sends on `/ws/chat`, as valibot schemas with the types derived from them, and the
 * close codes. The server builds these frames (`realtime/frames.ts`); the browser validates every
 * frame it receives with {@linkcode parseServerFrame} and ignores what it does not know, as the
 * contract says (new frame types and fields are additive).
 */
import * as v from "valibot";
import { errorCode } from "./errors.ts";
import { conversationState, seq, text, wireConversation, wireMessage } from "./wire.ts";

/** Protocol version announced in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Close codes of the contract. */
export const CLOSE = {
  /** A binary frame: the protocol is JSON text only. */
  unsupportedData: 1003,
  /** Sustained flooding, or too many sockets. */
  policy: 1008,
  /** A frame over the size limit. */
  tooLarge: 1009,
  /** The server is restarting: reconnect. */
  restarting: 1012,
  /** The client reads too slowly, or could not be caught up: reconnect, then resync. */
  tryAgainLater: 1013,
  /** The session ended (logout, expiry, membership removed): do not reconnect blindly. */
  sessionEnded: 4401,
} as const;

export const helloFrame = v.object({
  type: v.literal("hello"),
  protocol: v.number(),
  user: v.object({ id: text, name: v.string() }),
  conversations: v.array(conversationState),
});

export const messageFrame = v.object({ type: v.literal("message"), message: wireMessage });

export const ackFrame = v.object({ type: v.literal("ack"), clientId: v.string(), message: wireMessage });

export const typingEventFrame = v.object({
  type: v.literal("typing"),
  conversationId: text,
  userId: text,
  name: v.string(),
  typing: v.boolean(),
});

export const readEventFrame = v.object({
  type: v.literal("read"),
  conversationId: text,
  userId: text,
  seq,
});

export const conversationFrame = v.object({
  type: v.literal("conversation"),
  conversation: wireConversation,
});

export const errorFrame = v.object({
  type: v.literal("error"),
  code: errorCode,
  message: v.string(),
  clientId: v.optional(v.string()),
});

export const pongFrame = v.object({ type: v.literal("pong") });

/**
 * `ping`: the server's liveness check. The client answers `{"type":"pong","nonce"}` with the same
 * nonce within a few seconds, or the socket is closed with 1013 (a reader that does not keep up).
 */
export const serverPingFrame = v.object({ type: v.literal("ping"), nonce: v.string() });

/** Any server frame. */
export const serverFrame = v.variant("type", [
  helloFrame,
  messageFrame,
  ackFrame,
  typingEventFrame,
  readEventFrame,
  conversationFrame,
  errorFrame,
  pongFrame,
  serverPingFrame,
]);

export type ServerFrame = v.InferOutput<typeof serverFrame>;
export type HelloFrame = v.InferOutput<typeof helloFrame>;
export type ErrorFrame = v.InferOutput<typeof errorFrame>;

/** Parses a received frame; `undefined` for anything malformed or of an unknown type (ignored). */
export function parseServerFrame(data: unknown): ServerFrame | undefined {
  if (typeof data !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  const result = v.safeParse(serverFrame, value);
  return result.success ? result.output : undefined;
}
