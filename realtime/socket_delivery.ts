/**
 * The outgoing order of one socket: per conversation, the last seq it was given (`sentSeq`, from
 * `hello` or the `conversation` frame) and the messages waiting for their turn. A message at or
 * below `sentSeq` is skipped (never twice); one beyond the next waits while the missing seqs are
 * read from the database for this socket alone ("repair": the rare case of a socket joining a
 * conversation that other sockets of the instance were already following).
 *
 * While the socket has a send in flight in a conversation, a message of the same user waits too:
 * it may be that very send, read from the database (because another instance's hint arrived
 * first) before the send returned, and its `ack` must take its place rather than follow a copy.
 */
import type { Message } from "../db/models.ts";
import { CLOSE, type ServerFrame } from "../protocol/server_frames.ts";
import { messageFrame } from "./frames.ts";

/** What the ordering needs from its socket. */
export interface DeliveryHost {
  readonly userId: string;
  isClosed(): boolean;
  /** Most messages waiting for one conversation; beyond, the socket is closed with 1013. */
  readonly maxHeld: number;
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
  /** Whether a send of this socket in the conversation is waiting for its answer. */
  isSending(conversationId: string): boolean;
  fetchAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]>;
}

/** A message waiting for its turn; `clientId` makes it the sender's ack. */
interface Held {
  message: Message;
  clientId: string | undefined;
}

interface Watch {
  /** The last seq given to this socket (or covered by its hello / conversation frame). */
  sentSeq: number;
  /** Set while seqs up to it must be read from the database for this socket alone. */
  repairTo: number | undefined;
  repairing: boolean;
  /** Messages waiting for a gap to be filled or for this socket's own send to be acked, by seq. */
  held: Held[];
}

/** See the module documentation. */
export class SocketDelivery {
  readonly #host: DeliveryHost;
  #watch = new Map<string, Watch>();

  constructor(host: DeliveryHost) {
    this.#host = host;
  }

  /** Conversations this socket receives. */
  get conversations(): IterableIterator<string> {
    return this.#watch.keys();
  }

  watches(conversationId: string): boolean {
    return this.#watch.has(conversationId);
  }

  /** Starts following a conversation after `sentSeq`. */
  watch(conversationId: string, sentSeq: number): void {
    this.#watch.set(conversationId, { sentSeq, repairTo: undefined, repairing: false, held: [] });
  }

  /** This socket is behind the conversation's stream: read up to `seq` for it alone (see `startRepairs`). */
  needsRepair(conversationId: string, seq: number): void {
    const watch = this.#watch.get(conversationId);
    if (watch && seq > watch.sentSeq) watch.repairTo = Math.max(watch.repairTo ?? 0, seq);
  }

  /** Starts the reads asked for by `needsRepair` (once the socket may receive frames). */
  startRepairs(): void {
    for (const [conversationId, watch] of this.#watch) {
      if (watch.repairTo !== undefined && !watch.repairing) void this.#repair(conversationId, watch);
    }
  }

  /** Sends what waited for this socket's send in the conversation to be answered. */
  sendFinished(conversationId: string): void {
    const watch = this.#watch.get(conversationId);
    if (watch) this.#flush(conversationId, watch);
  }

  /** A message of the conversation, in its stream's order; `clientId` when it answers this socket's send. */
  deliver(conversationId: string, message: Message, clientId?: string): void {
    if (this.#host.isClosed()) return;
    const watch = this.#watch.get(conversationId);
    if (!watch) {
      if (clientId !== undefined) this.#host.send(messageFrame(message, this.#host.userId, clientId)); // not followed here: a plain ack
      return;
    }
    if (clientId !== undefined) {
      // The ack of a message already waiting here (read from the database before the send returned).
      const waiting = watch.held.find((item) => item.message.seq === message.seq);
      if (waiting) {
        waiting.clientId = clientId;
        this.#flush(conversationId, watch);
        return;
      }
      if (message.seq <= watch.sentSeq) {
        this.#host.send(messageFrame(message, this.#host.userId, clientId)); // a retried clientId: the original message again
        return;
      }
    }
    // In seq order (deliveries come in order; only a late ack could otherwise land behind later seqs).
    const after = watch.held.findIndex((item) => item.message.seq > message.seq);
    watch.held.splice(after === -1 ? watch.held.length : after, 0, { message, clientId });
    if (watch.held.length > this.#host.maxHeld) {
      this.#host.close(CLOSE.tryAgainLater, "too far behind: reconnect, then fetch what you missed");
      return;
    }
    this.#flush(conversationId, watch);
  }

  /**
   * Sends the held messages that are next in line. Stops at a gap (reading it from the database),
   * and at a message of this user while this socket has a send in flight in the conversation: it
   * may be that very send, whose ack must take its place.
   */
  #flush(conversationId: string, watch: Watch): void {
    while (!this.#host.isClosed() && watch.held.length > 0) {
      const { message, clientId } = watch.held[0]!;
      if (message.seq <= watch.sentSeq) {
        watch.held.shift();
        if (clientId !== undefined) this.#host.send(messageFrame(message, this.#host.userId, clientId));
        continue;
      }
      if (message.seq > watch.sentSeq + 1) {
        if (!watch.repairing) {
          watch.repairTo = Math.max(watch.repairTo ?? 0, message.seq - 1);
          void this.#repair(conversationId, watch);
        }
        return;
      }
      const mine = clientId === undefined && message.senderId === this.#host.userId;
      if (mine && this.#host.isSending(conversationId)) return;
      watch.held.shift();
      this.#host.send(messageFrame(message, this.#host.userId, clientId));
      watch.sentSeq = message.seq;
    }
  }

  /** Reads the seqs this socket misses up to `repairTo`, a page at a time, into `held`. */
  async #repair(conversationId: string, watch: Watch): Promise<void> {
    if (watch.repairing) return;
    watch.repairing = true;
    let readTo = watch.sentSeq;
    try {
      while (
        !this.#host.isClosed() && watch.repairTo !== undefined &&
        Math.max(readTo, watch.sentSeq) < watch.repairTo
      ) {
        const after = Math.max(readTo, watch.sentSeq);
        const batch = await this.#host.fetchAfter(
          conversationId,
          after,
          Math.min(100, watch.repairTo - after),
        );
        if (this.#host.isClosed()) return;
        if (batch.length === 0) {
          // The database does not have them (cannot happen while seqs stay gapless): skip ahead,
          // and the client, seeing a seq skipped, fetches the gap itself as the contract says.
          watch.sentSeq = Math.max(watch.sentSeq, watch.repairTo);
          break;
        }
        readTo = batch.at(-1)!.seq;
        const known = new Set(watch.held.map((item) => item.message.seq));
        for (const message of batch) {
          if (!known.has(message.seq)) watch.held.push({ message, clientId: undefined });
        }
        watch.held.sort((a, b) => a.message.seq - b.message.seq);
        this.#flush(conversationId, watch);
      }
    } catch (error) {
      console.warn(`realtime: catching a socket up on ${conversationId} failed:`, error);
      this.#host.close(CLOSE.tryAgainLater, "could not catch you up: reconnect, then fetch what you missed");
      return;
    } finally {
      watch.repairing = false;
    }
    watch.repairTo = undefined;
    this.#flush(conversationId, watch);
  }
}
