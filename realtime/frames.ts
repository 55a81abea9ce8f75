/**
 * What the server sends on `/ws/chat` (client frames are validated by `domain/schemas.ts`
 * `clientFrame`), and the close codes. Shapes follow the wire contract exactly; see
 * docs/protocol.md for every choice it left open.
 */
import type { ConversationState, ConversationSummary, Message } from "../db/models.ts";
import type { AppError, ErrorCode } from "../domain/errors.ts";
import { wireMessage } from "./events.ts";

/** Close codes of the contract. */
export const CLOSE = {
  /** A frame over the size limit. */
  tooLarge: 1009,
  /** Sustained flooding, or too many sockets for one user. */
  policy: 1008,
  /** The client reads too slowly (its send buffer passed the limit), or could not be caught up: resync. */
  tryAgainLater: 1013,
  /** The server is restarting: reconnect. */
  restarting: 1012,
  /** The session ended (logout, expiry, membership removed): do not reconnect blindly. */
  sessionEnded: 4401,
} as const;

/** Frames the server sends. */
export type ServerFrame =
  | {
    type: "hello";
    protocol: 1;
    user: { id: string; name: string };
    conversations: ConversationState[];
  }
  | { type: "message"; message: Message }
  | { type: "ack"; clientId: string; message: Message }
  | { type: "typing"; conversationId: string; userId: string; name: string; typing: boolean }
  | { type: "read"; conversationId: string; userId: string; seq: number }
  | { type: "conversation"; conversation: ConversationSummary }
  | { type: "error"; code: ErrorCode; message: string; clientId?: string }
  | { type: "pong" };

/** The `hello` frame: exactly the contract's fields. */
export function helloFrame(
  user: { id: string; name: string },
  states: readonly ConversationState[],
): ServerFrame {
  return {
    type: "hello",
    protocol: 1,
    user: { id: user.id, name: user.name },
    conversations: states.map(({ id, establishmentId, lastSeq, readSeq, unread }) => ({
      id,
      establishmentId,
      lastSeq,
      readSeq,
      unread,
    })),
  };
}

/** A `message` frame, or the sender's `ack` when `clientId` is given. */
export function messageFrame(message: Message, clientId?: string): ServerFrame {
  return clientId === undefined
    ? { type: "message", message: wireMessage(message) }
    : { type: "ack", clientId, message: wireMessage(message) };
}

/** An `error` frame for `error`, naming the `clientId` of the send it answers, if any. */
export function errorFrame(error: AppError, clientId?: string): ServerFrame {
  return clientId === undefined
    ? { type: "error", code: error.code, message: error.message }
    : { type: "error", code: error.code, message: error.message, clientId };
}

const encoder = new TextEncoder();

/** UTF-8 size of `text`, computed only when the UTF-16 length leaves a doubt about `limit`. */
export function exceedsBytes(text: string, limit: number): boolean {
  if (text.length > limit) return true; // every UTF-16 unit is at least one byte
  if (text.length * 3 <= limit) return false; // and at most three
  return encoder.encode(text).length > limit;
}

/** A close reason trimmed to the 123 bytes WebSocket allows. */
export function closeReason(text: string): string {
  let reason = text;
  while (encoder.encode(reason).length > 123) reason = reason.slice(0, -1);
  return reason;
}
