/**
 * The server's side of the frames in `protocol/server_frames.ts`: builders that turn what the
 * database returns (times as `Date`) into exactly the contract's fields (times as ISO strings), so
 * no extra property of a row can leak onto the wire, plus the byte-size helpers of the socket layer.
 * Close codes are in the protocol module.
 */
import type { ConversationState, ConversationSummary, Message } from "../db/models.ts";
import type { AppError } from "../domain/errors.ts";
import { PROTOCOL_VERSION, type ServerFrame } from "../protocol/server_frames.ts";
import type { WireConversation, WireMessage } from "../protocol/wire.ts";

/**
 * Exactly the contract's message fields, whatever extra properties `message` carries; its
 * `clientId` only when `viewerId` is the sender (nobody else may learn it).
 */
export function toWireMessage(message: Message, viewerId?: string): WireMessage {
  const { id, conversationId, seq, senderId, senderName, body, createdAt } = message;
  const wire: WireMessage = {
    id,
    conversationId,
    seq,
    senderId,
    senderName,
    body,
    createdAt: createdAt.toISOString(),
  };
  if (viewerId === senderId && message.clientId !== undefined) wire.clientId = message.clientId;
  return wire;
}

/** Exactly the contract's conversation fields. */
export function toWireConversation(summary: ConversationSummary): WireConversation {
  const { id, establishmentId, title, participants, lastMessage, lastSeq, readSeq, unread, updatedAt } =
    summary;
  return {
    id,
    establishmentId,
    title,
    participants: participants.map(({ id, name, role, readSeq, readAt, deactivated, affiliation }) => ({
      id,
      name,
      role,
      readSeq,
      readAt,
      ...(deactivated ? { deactivated } : {}),
      ...(affiliation ? { affiliation } : {}),
    })),
    lastMessage: lastMessage === null ? null : toWireMessage(lastMessage),
    lastSeq,
    readSeq,
    unread,
    updatedAt: updatedAt.toISOString(),
  };
}

/** The `hello` frame: exactly the contract's fields. */
export function helloFrame(
  user: { id: string; name: string },
  states: readonly ConversationState[],
): ServerFrame {
  return {
    type: "hello",
    protocol: PROTOCOL_VERSION,
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

/** A `message` frame for `viewerId`, or the sender's `ack` when `clientId` is given. */
export function messageFrame(message: Message, viewerId: string, clientId?: string): ServerFrame {
  return clientId === undefined
    ? { type: "message", message: toWireMessage(message, viewerId) }
    : { type: "ack", clientId, message: toWireMessage(message, viewerId) };
}

/** The `conversation` frame: the user was added to a conversation. */
export function conversationFrame(summary: ConversationSummary): ServerFrame {
  return { type: "conversation", conversation: toWireConversation(summary) };
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
