/**
 * Ordered delivery of one conversation's messages to this instance's sockets. Hints say "seq N
 * exists" (sometimes with the messages); the stream delivers seqs strictly one after the other, and
 * whenever it knows of a seq it does not hold, it reads the missing ones from the database. So a
 * hint that is lost, late, repeated or reordered never makes a socket see N+1 before N, nor N twice,
 * nor lose N for longer than it takes the next hint or a resync to arrive.
 *
 * The sender's `ack` travels the same road: `expectAck(seq, …)` makes the stream hand that seq to
 * the sending socket as an ack instead of a `message`, in its place in the order.
 *
 * The database is the truth in both directions: a hint announcing a seq the database does not have
 * (only a foreign or forged NOTIFY could) is forgotten once a read proves it absent.
 */
import type { Message } from "../db/models.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { backoffDelay } from "../util/backoff.ts";
import { sleep, withTimeout } from "../util/timeout.ts";

/** A socket as a stream sees it. */
export interface StreamWatcher {
  /** Called in seq order; `ackClientId` is set when this watcher sent the message. */
  deliver(conversationId: string, message: Message, ackClientId?: string): void;
}

/** What a stream needs from its surroundings. */
export interface StreamDeps {
  /** Up to `limit` messages with seq > `afterSeq`, ascending (`db/messages.ts listMessagesAfter`). */
  fetchAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]>;
  /** The sockets of this instance watching the conversation, right now. */
  watchers(conversationId: string): Iterable<StreamWatcher>;
  /** Messages read per query. Default 100. */
  batchSize?: number;
  /** Most out-of-order messages held; beyond, they are read again later. Default 1000. */
  maxPending?: number;
  /**
   * Wait before retrying a failed read. Default `backoffDelay` from 100 ms doubling up to 1 s, so a
   * conversation delivers again within about a second of the database's return.
   */
  retryDelayMs?: (attempt: number) => number;
  /**
   * Longest wait for one read; past it the read counts as failed and is retried (a query stuck on
   * a connection that died silently must not stall this conversation). Default 3 000 ms.
   */
  readTimeoutMs?: number;
}

/** See the module documentation. */
export class ConversationStream {
  readonly conversationId: string;
  readonly #deps: StreamDeps;
  readonly #batchSize: number;
  readonly #maxPending: number;
  #delivered: number;
  #known: number;
  /** Bumped whenever a hint raises `known`, so a read that started before it proves nothing. */
  #hintVersion = 0;
  #pending = new Map<number, Message>();
  #acks = new Map<number, { watcher: StreamWatcher; clientId: string }[]>();
  #syncWanted = false;
  #running: Promise<void> | undefined;
  #closed = new AbortController();

  /** `baseline`: the seq every watcher already has (or fetches itself); delivery starts after it. */
  constructor(conversationId: string, baseline: number, deps: StreamDeps) {
    this.conversationId = conversationId;
    this.#deps = deps;
    this.#batchSize = deps.batchSize ?? 100;
    this.#maxPending = deps.maxPending ?? 1000;
    this.#delivered = baseline;
    this.#known = baseline;
  }

  /** The highest seq handed to the watchers. */
  get delivered(): number {
    return this.#delivered;
  }

  /** True while something is to be delivered or read (shutdown waits for acks). */
  get busy(): boolean {
    return this.#running !== undefined || this.#acks.size > 0 || this.#known > this.#delivered;
  }

  /** Seq `seq` exists; `messages` are some stored messages up to it. */
  hint(seq: number, messages: readonly Message[] = []): void {
    if (this.#closed.signal.aborted) return;
    for (const message of messages) {
      if (message.seq > this.#delivered && this.#pending.size < this.#maxPending) {
        this.#pending.set(message.seq, message);
      }
    }
    if (seq > this.#known) {
      this.#known = seq;
      this.#hintVersion++;
    }
    this.#drain();
    this.#kick();
  }

  /**
   * Asks for `seq` to reach `watcher` as an ack for `clientId`. Returns false when `seq` was
   * already delivered: the caller then acks at once (the client has it, or fetches it).
   */
  expectAck(seq: number, watcher: StreamWatcher, clientId: string): boolean {
    if (seq <= this.#delivered || this.#closed.signal.aborted) return false;
    const list = this.#acks.get(seq) ?? [];
    list.push({ watcher, clientId });
    this.#acks.set(seq, list);
    return true;
  }

  /** Reads whatever the database has after the last delivered seq (after a possible loss of hints). */
  requestSync(): void {
    if (this.#closed.signal.aborted) return;
    this.#syncWanted = true;
    this.#kick();
  }

  /** Stops reading and delivering. */
  close(): void {
    this.#closed.abort();
    this.#pending.clear();
    this.#acks.clear();
  }

  #needsRead(): boolean {
    return !this.#closed.signal.aborted && (this.#syncWanted || this.#known > this.#delivered);
  }

  #kick(): void {
    if (this.#running !== undefined || !this.#needsRead()) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      this.#kick();
    });
  }

  async #run(): Promise<void> {
    for (let failures = 0; this.#needsRead();) {
      this.#syncWanted = false;
      const version = this.#hintVersion;
      let batch: Message[];
      try {
        batch = await withTimeout(
          this.#deps.fetchAfter(this.conversationId, this.#delivered, this.#batchSize),
          this.#deps.readTimeoutMs ?? 3_000,
          { what: `the messages of conversation ${this.conversationId}` },
        );
        failures = 0;
      } catch (error) {
        if (this.#closed.signal.aborted) return;
        this.#syncWanted = true;
        const delay = this.#deps.retryDelayMs?.(failures) ??
          backoffDelay(failures, { baseMs: 100, maxMs: 1000 });
        // An outage is logged once by the database adapter, not once per conversation.
        if (failures++ === 0 && !isDatabaseUnavailable(error)) {
          console.warn(`realtime: reading conversation ${this.conversationId} failed:`, error);
        }
        await sleep(delay, this.#closed.signal);
        continue;
      }
      if (this.#closed.signal.aborted) return;
      for (const message of batch) {
        if (message.seq > this.#delivered) this.#pending.set(message.seq, message);
      }
      const last = batch.at(-1)?.seq ?? this.#delivered;
      if (last > this.#known) this.#known = last;
      this.#drain();
      if (batch.length === this.#batchSize) {
        this.#syncWanted = true; // more may follow
      } else if (version === this.#hintVersion && this.#known > this.#delivered) {
        // Nothing newer was announced while reading, and the database has nothing more: the
        // announced seq does not exist here. Forget it rather than read forever.
        this.#known = this.#delivered;
        this.#pending.clear();
      }
    }
  }

  /** Delivers every held message that directly follows the last delivered one. */
  #drain(): void {
    for (
      let next = this.#pending.get(this.#delivered + 1);
      next;
      next = this.#pending.get(this.#delivered + 1)
    ) {
      this.#pending.delete(next.seq);
      this.#delivered = next.seq;
      const acks = this.#acks.get(next.seq);
      this.#acks.delete(next.seq);
      const acked = new Map(acks?.map((a) => [a.watcher, a.clientId]));
      for (const watcher of this.#deps.watchers(this.conversationId)) {
        const clientId = acked.get(watcher);
        acked.delete(watcher);
        safeDeliver(watcher, this.conversationId, next, clientId);
      }
      // A sender that no longer watches the conversation still gets its ack.
      for (const [watcher, clientId] of acked) safeDeliver(watcher, this.conversationId, next, clientId);
    }
    if (this.#pending.size > 0) {
      for (const seq of this.#pending.keys()) if (seq <= this.#delivered) this.#pending.delete(seq);
    }
    for (const seq of this.#acks.keys()) {
      if (seq <= this.#delivered) this.#acks.delete(seq);
    }
  }
}

function safeDeliver(watcher: StreamWatcher, conversationId: string, message: Message, clientId?: string) {
  try {
    watcher.deliver(conversationId, message, clientId);
  } catch (error) {
    console.error("realtime: delivering a message to a socket failed:", error);
  }
}
