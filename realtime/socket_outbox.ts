/**
 * What waits for one slow socket, bounded in characters and frames. Deno applies no backpressure
 * to a server WebSocket, so frames are handed to it only while its `bufferedAmount` stays under a
 * high-water mark; past it they wait here. When this queue passes its bound, the message, typing
 * and read frames waiting are dropped and one `resync` frame takes their place, naming for each
 * conversation the last seq dropped: the client fetches up to it (`GET …/messages?after=`) and the
 * socket carries on after it. If the queue passes its bound again before that `resync` frame was
 * even handed over, the reader is not reading at all: the caller closes it (1013).
 *
 * Most sockets never have an outbox: the connection creates one at its first backlog and drops it
 * once drained.
 */

/** A frame waiting; `conversationId`/`seq` for a droppable message frame, `droppable` for typing/read. */
interface Waiting {
  text: string;
  droppable: boolean;
  conversationId?: string;
  seq?: number;
}

/** What {@linkcode SocketOutbox.push} did. */
export type PushResult = "queued" | "resync" | "overflow";

/** See the module documentation. */
export class SocketOutbox {
  #waiting: Waiting[] = [];
  #chars = 0;
  /** The queued `resync` frame, until it is handed to the socket. */
  #resync: Waiting | undefined;

  constructor(
    readonly maxChars: number,
    readonly maxFrames: number,
    /** The text of the `resync` frame naming, per conversation, the last seq dropped. */
    readonly resyncText: (dropped: Map<string, number>) => string,
  ) {}

  get size(): number {
    return this.#waiting.length;
  }

  /** Queues a frame; past the bound, drops what may be dropped in favour of a `resync` frame. */
  push(text: string, droppable: boolean, conversationId?: string, seq?: number): PushResult {
    this.#waiting.push({ text, droppable, conversationId, seq });
    this.#chars += text.length;
    if (!this.#over()) return "queued";
    if (this.#resync !== undefined) return "overflow";
    const dropped = new Map<string, number>();
    const kept: Waiting[] = [];
    this.#chars = 0;
    for (const item of this.#waiting) {
      if (!item.droppable) {
        kept.push(item);
        this.#chars += item.text.length;
      } else if (item.conversationId !== undefined && item.seq !== undefined) {
        dropped.set(item.conversationId, Math.max(dropped.get(item.conversationId) ?? 0, item.seq));
      }
    }
    this.#resync = { text: this.resyncText(dropped), droppable: false };
    kept.unshift(this.#resync);
    this.#chars += this.#resync.text.length;
    this.#waiting = kept;
    return this.#over() ? "overflow" : "resync";
  }

  /** Hands frames to `socket` while its buffer is under `highWater`; true once nothing waits. */
  flush(socket: { readonly bufferedAmount: number; send(text: string): void }, highWater: number): boolean {
    let sent = 0;
    while (sent < this.#waiting.length && socket.bufferedAmount < highWater) {
      const item = this.#waiting[sent++]!;
      socket.send(item.text);
      this.#chars -= item.text.length;
      if (item === this.#resync) this.#resync = undefined;
    }
    if (sent > 0) this.#waiting.splice(0, sent);
    return this.#waiting.length === 0;
  }

  #over(): boolean {
    return this.#chars > this.maxChars || this.#waiting.length > this.maxFrames;
  }
}
