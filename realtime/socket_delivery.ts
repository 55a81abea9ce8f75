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
 *
 * The common case costs one map entry per conversation (its `sentSeq`) and no allocation per
 * message: the next seq goes straight out as the text shared by every socket. The held list and
 * repair state of a conversation exist only while something waits.
 */
import type { Message } from "../db/models.ts";
import { CLOSE } from "../protocol/server_frames.ts";

/** What the ordering needs from its socket. */
export interface DeliveryHost {
  readonly userId: string;
  isClosed(): boolean;
  /** Most messages waiting for one conversation; beyond, the socket is closed with 1013. */
  readonly maxHeld: number;
  /** Sends `message` as a `message` frame, or as this socket's `ack` when `clientId` is given. */
  sendMessage(message: Message, clientId?: string): void;
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

/** What one conversation keeps while something waits (a gap, or this socket's own send). */
interface Waiting {
  /** Set while seqs up to it must be read from the database for this socket alone. */
  repairTo: number | undefined;
  repairing: boolean;
  /** Messages waiting for a gap to be filled or for this socket's own send to be acked, by seq. */
  held: Held[];
}

/** See the module documentation. */
export class SocketDelivery {
  readonly #host: DeliveryHost;
  /** Per conversation, the last seq given to this socket (or covered by its hello / conversation frame). */
  #sent = new Map<string, number>();
  #waiting: Map<string, Waiting> | undefined;

  constructor(host: DeliveryHost) {
    this.#host = host;
  }

  /** Conversations this socket receives. */
  get conversations(): IterableIterator<string> {
    return this.#sent.keys();
  }

  watches(conversationId: string): boolean {
    return this.#sent.has(conversationId);
  }

  /** Starts following a conversation after `sentSeq`. */
  watch(conversationId: string, sentSeq: number): void {
    this.#sent.set(conversationId, sentSeq);
    this.#waiting?.delete(conversationId);
  }

  /** This socket is behind the conversation's stream: read up to `seq` for it alone (see `startRepairs`). */
  needsRepair(conversationId: string, seq: number): void {
    const sent = this.#sent.get(conversationId);
    if (sent === undefined || seq <= sent) return;
    const waiting = this.#waitingFor(conversationId);
    waiting.repairTo = Math.max(waiting.repairTo ?? 0, seq);
  }

  /** Starts the reads asked for by `needsRepair` (once the socket may receive frames). */
  startRepairs(): void {
    for (const [conversationId, waiting] of this.#waiting ?? []) {
      if (waiting.repairTo !== undefined && !waiting.repairing) void this.#repair(conversationId, waiting);
    }
  }

  /** Sends what waited for this socket's send in the conversation to be answered. */
  sendFinished(conversationId: string): void {
    const waiting = this.#waiting?.get(conversationId);
    if (waiting) this.#flush(conversationId, waiting);
  }

  /** A message of the conversation, in its stream's order; `clientId` when it answers this socket's send. */
  deliver(conversationId: string, message: Message, clientId?: string): void {
    const host = this.#host;
    if (host.isClosed()) return;
    const sent = this.#sent.get(conversationId);
    if (sent === undefined) {
      if (clientId !== undefined) host.sendMessage(message, clientId); // not followed here: a plain ack
      return;
    }
    let waiting = this.#waiting?.get(conversationId);
    if (
      waiting === undefined && message.seq === sent + 1 &&
      (clientId !== undefined || message.senderId !== host.userId || !host.isSending(conversationId))
    ) {
      // The common case: the next seq, nothing waiting.
      this.#sent.set(conversationId, message.seq);
      host.sendMessage(message, clientId);
      return;
    }
    if (clientId !== undefined) {
      // The ack of a message already waiting here (read from the database before the send returned).
      const held = waiting?.held.find((item) => item.message.seq === message.seq);
      if (held) {
        held.clientId = clientId;
        this.#flush(conversationId, waiting!);
        return;
      }
      if (message.seq <= sent) {
        host.sendMessage(message, clientId); // a retried clientId: the original message again
        return;
      }
    }
    if (message.seq <= sent && waiting === undefined) return; // already given
    waiting ??= this.#waitingFor(conversationId);
    // In seq order (deliveries come in order; only a late ack could otherwise land behind later seqs).
    const after = waiting.held.findIndex((item) => item.message.seq > message.seq);
    waiting.held.splice(after === -1 ? waiting.held.length : after, 0, { message, clientId });
    if (waiting.held.length > host.maxHeld) {
      host.close(CLOSE.tryAgainLater, "too far behind: reconnect, then fetch what you missed");
      return;
    }
    this.#flush(conversationId, waiting);
  }

  #waitingFor(conversationId: string): Waiting {
    const all = this.#waiting ??= new Map();
    let waiting = all.get(conversationId);
    if (waiting === undefined) {
      waiting = { repairTo: undefined, repairing: false, held: [] };
      all.set(conversationId, waiting);
    }
    return waiting;
  }

  /** Forgets the conversation's waiting state once nothing waits (back to the common case). */
  #settle(conversationId: string, waiting: Waiting): void {
    if (waiting.held.length > 0 || waiting.repairing || waiting.repairTo !== undefined) return;
    this.#waiting?.delete(conversationId);
    if (this.#waiting?.size === 0) this.#waiting = undefined;
  }

  /**
   * Sends the held messages that are next in line. Stops at a gap (reading it from the database),
   * and at a message of this user while this socket has a send in flight in the conversation: it
   * may be that very send, whose ack must take its place.
   */
  #flush(conversationId: string, waiting: Waiting): void {
    const host = this.#host;
    while (!host.isClosed() && waiting.held.length > 0) {
      const sent = this.#sent.get(conversationId);
      if (sent === undefined) return; // no longer followed
      const { message, clientId } = waiting.held[0]!;
      if (message.seq <= sent) {
        waiting.held.shift();
        if (clientId !== undefined) host.sendMessage(message, clientId);
        continue;
      }
      if (message.seq > sent + 1) {
        if (!waiting.repairing) {
          waiting.repairTo = Math.max(waiting.repairTo ?? 0, message.seq - 1);
          void this.#repair(conversationId, waiting);
        }
        return;
      }
      const mine = clientId === undefined && message.senderId === host.userId;
      if (mine && host.isSending(conversationId)) return;
      waiting.held.shift();
      this.#sent.set(conversationId, message.seq);
      host.sendMessage(message, clientId);
    }
    this.#settle(conversationId, waiting);
  }

  /** Reads the seqs this socket misses up to `repairTo`, a page at a time, into `held`. */
  async #repair(conversationId: string, waiting: Waiting): Promise<void> {
    if (waiting.repairing) return;
    waiting.repairing = true;
    const sentSeq = () => this.#sent.get(conversationId) ?? Infinity;
    let readTo = sentSeq();
    try {
      while (
        !this.#host.isClosed() && waiting.repairTo !== undefined &&
        Math.max(readTo, sentSeq()) < waiting.repairTo
      ) {
        const after = Math.max(readTo, sentSeq());
        const batch = await this.#host.fetchAfter(
          conversationId,
          after,
          Math.min(100, waiting.repairTo - after),
        );
        if (this.#host.isClosed()) return;
        if (batch.length === 0) {
          // The database does not have them (cannot happen while seqs stay gapless): skip ahead,
          // and the client, seeing a seq skipped, fetches the gap itself as the contract says.
          if (this.#sent.has(conversationId)) {
            this.#sent.set(conversationId, Math.max(sentSeq(), waiting.repairTo));
          }
          break;
        }
        readTo = batch.at(-1)!.seq;
        const known = new Set(waiting.held.map((item) => item.message.seq));
        for (const message of batch) {
          if (!known.has(message.seq)) waiting.held.push({ message, clientId: undefined });
        }
        waiting.held.sort((a, b) => a.message.seq - b.message.seq);
        this.#flush(conversationId, waiting);
      }
    } catch (error) {
      console.warn(`realtime: catching a socket up on ${conversationId} failed:`, error);
      this.#host.close(CLOSE.tryAgainLater, "could not catch you up: reconnect, then fetch what you missed");
      return;
    } finally {
      waiting.repairing = false;
    }
    waiting.repairTo = undefined;
    this.#flush(conversationId, waiting);
  }
}
