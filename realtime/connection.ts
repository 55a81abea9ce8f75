/**
 * One WebSocket: its frames in, its frames out, and its limits.
 *
 * In: frames are held until `hello` is out (so `hello` is always first), then checked one by one —
 * size (over the limit: close 1009), text and JSON, the `clientFrame` schema, rate limits — and
 * run one at a time in arrival order. Every refusal is an `error` frame and the socket stays open,
 * unless refusals pile up (flooding: close 1008).
 *
 * Out: frames go through `send`, which closes the socket with 1013 past `maxBufferedBytes` of
 * unsent data (Deno applies no backpressure: a client that stops reading would otherwise hold
 * memory without bound); messages and acks first pass `socket_delivery.ts`, which keeps them in
 * seq order, once, per conversation.
 *
 * Liveness: bytes alone miss a stopped reader (the kernel's buffers take megabytes first), so every
 * `livenessPingMs` the socket gets a `ping` frame with a nonce and must answer `pong` with it within
 * `livenessTimeoutMs`, or it is closed with 1013 (checked by the hub's sweep, `checkLiveness`: no
 * timer per socket). The `pong` is handled as it arrives, never queued behind a slow send, so a
 * socket is judged by its reading alone.
 */
import type { ConversationState, ConversationSummary, Message } from "../db/models.ts";
import { AppError, badRequest, rateLimited, reportFailure, toAppError } from "../domain/errors.ts";
import { parseInput } from "../domain/schemas.ts";
import { type ClientFrame, clientFrame } from "../protocol/client_frames.ts";
import { CLOSE, type ServerFrame } from "../protocol/server_frames.ts";
import type { Messaging } from "../domain/messaging.ts";
import type { RateDecision, RateLimiter } from "../domain/rate_limit.ts";
import type { StreamWatcher } from "./conversation_stream.ts";
import { SocketDelivery } from "./socket_delivery.ts";
import { closeReason, conversationFrame, errorFrame, exceedsBytes, helloFrame } from "./frames.ts";
import type { ResolvedOptions } from "./options.ts";

/** What a connection needs from the hub. */
export interface ConnectionHost {
  readonly messaging: Messaging;
  readonly options: ResolvedOptions;
  readonly limits: {
    /** Per user, kept in the database (see `domain/limits.ts`). */
    send: { take(userId: string): Promise<RateDecision> };
    typing: RateLimiter;
    frames: RateLimiter;
  };
  /** True once shutdown began: new frames are ignored. */
  readonly stopping: boolean;
  /** Starts delivering conversation `conversationId` to `conn` after `sentSeq`. */
  attach(conn: Connection, conversationId: string, sentSeq: number): void;
  /** Forgets `conn` everywhere (called once, when it closes). */
  unregister(conn: Connection): void;
  /** A send of `conn` was stored (and published by the domain): ack it in its place. */
  acknowledge(conn: Connection, message: Message, clientId: string): void;
  fetchAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]>;
}

let nextId = 0;

/** See the module documentation. */
export class Connection implements StreamWatcher {
  readonly id = `c${++nextId}`;
  readonly openedAt = Date.now();
  readonly #host: ConnectionHost;
  readonly #socket: WebSocket;
  #ready = false;
  #closed = false;
  #early: string[] = [];
  #earlyConversations: ConversationSummary[] = [];
  readonly #delivery: SocketDelivery;
  #work: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Sends of this socket not yet answered, per conversation (their messages wait for the ack). */
  #sending = new Map<string, number>();
  #rejections: number[] = [];
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  /** When `checkLiveness` next acts: the next ping is due, or the awaited pong is late (epoch ms). */
  #livenessDue = Infinity;
  /** The nonce of the `ping` awaiting its `pong`, if one is out. */
  #awaitedNonce: string | undefined;
  #pings = 0;
  /** Conversations where this socket said `typing: true` last. */
  readonly typingIn = new Set<string>();
  /** Resolves when the socket is closed for good (close handshake done, or the peer vanished). */
  readonly gone: Promise<void>;

  constructor(
    host: ConnectionHost,
    socket: WebSocket,
    readonly user: { id: string; name: string },
    readonly sessionId: string,
  ) {
    this.#host = host;
    this.#socket = socket;
    this.#delivery = new SocketDelivery({
      userId: user.id,
      isClosed: () => this.#closed,
      maxHeld: host.options.maxCatchUpQueue,
      send: (frame) => this.send(frame),
      close: (code, reason) => this.close(code, reason),
      isSending: (conversationId) => (this.#sending.get(conversationId) ?? 0) > 0,
      fetchAfter: (conversationId, after, limit) => host.fetchAfter(conversationId, after, limit),
    });
    const gone = Promise.withResolvers<void>();
    this.gone = gone.promise;
    socket.onmessage = (event) => this.#onFrame(event.data);
    socket.onclose = () => {
      gone.resolve();
      this.#onClosed();
    };
    socket.onerror = () => {}; // a close event follows; errors of dead peers are routine
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True once `hello` is out. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Conversations this socket receives. */
  get conversations(): IterableIterator<string> {
    return this.#delivery.conversations;
  }

  watches(conversationId: string): boolean {
    return this.#delivery.watches(conversationId);
  }

  /** Sends `hello` with `states` (read after registration), then lets frames through. */
  begin(states: readonly ConversationState[]): void {
    if (this.#closed) return;
    for (const state of states) this.#host.attach(this, state.id, state.lastSeq);
    this.send(helloFrame(this.user, states));
    this.#ready = true;
    this.#livenessDue = Date.now() + this.#host.options.livenessPingMs;
    this.#delivery.startRepairs();
    for (const summary of this.#earlyConversations.splice(0)) this.addConversation(summary);
    for (const data of this.#early.splice(0)) this.#onFrame(data);
  }

  /** The user was added to a conversation: push it, then its messages. */
  addConversation(summary: ConversationSummary): void {
    if (this.#closed) return;
    if (!this.#ready) {
      this.#earlyConversations.push(summary);
      return;
    }
    if (this.#delivery.watches(summary.id)) return;
    this.#host.attach(this, summary.id, summary.lastSeq);
    this.send(conversationFrame(summary));
    this.#delivery.startRepairs();
  }

  /** Registers a conversation at `sentSeq` (called by the hub's `attach`). */
  watch(conversationId: string, sentSeq: number): void {
    this.#delivery.watch(conversationId, sentSeq);
  }

  /** This socket is behind the conversation's stream: read up to `seq` for it alone. */
  needsRepair(conversationId: string, seq: number): void {
    this.#delivery.needsRepair(conversationId, seq);
  }

  deliver(conversationId: string, message: Message, clientId?: string): void {
    this.#delivery.deliver(conversationId, message, clientId);
  }

  /** Sends a frame; closes with 1013 when the client no longer keeps up. */
  send(frame: ServerFrame): void {
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) return;
    try {
      this.#socket.send(JSON.stringify(frame));
    } catch {
      return; // the socket is closing; its close event does the rest
    }
    if (this.#socket.bufferedAmount > this.#host.options.maxBufferedBytes) {
      this.close(CLOSE.tryAgainLater, "you read too slowly: reconnect, then fetch what you missed");
    }
  }

  /** Replaces the timer that closes this socket when its session expires (cleared on close). */
  setExpiryTimer(timer: ReturnType<typeof setTimeout>): void {
    clearTimeout(this.#expiryTimer);
    Deno.unrefTimer(timer); // an open socket keeps the process alive, not its expiry
    this.#expiryTimer = timer;
  }

  /** Closes the socket with `code` and stops everything about it. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#expiryTimer);
    this.#host.unregister(this);
    try {
      this.#socket.close(code, closeReason(reason));
    } catch { /* already closing */ }
  }

  /** Tells the others this socket's user stopped typing in `conversationId` (after a send, or on close). */
  stoppedTyping(conversationId: string): void {
    this.#host.messaging.setTyping(this.user, conversationId, false, { checked: false }).catch((error) =>
      console.warn("realtime: clearing a typing indicator failed:", error)
    );
  }

  /** Resolves when the frames accepted so far are handled (shutdown drains sends). */
  drained(): Promise<void> {
    return this.#work;
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#expiryTimer);
    this.#host.unregister(this);
  }

  /**
   * Called by the hub's liveness sweep (no timer per socket): sends the `ping` when due, and closes
   * the socket with 1013 when the awaited `pong` is late.
   */
  checkLiveness(now: number): void {
    if (this.#closed || now < this.#livenessDue) return;
    const { livenessTimeoutMs } = this.#host.options;
    if (this.#awaitedNonce !== undefined) {
      this.close(
        CLOSE.tryAgainLater,
        `no pong within ${livenessTimeoutMs} ms: you read too slowly; reconnect, then fetch what you missed`,
      );
      return;
    }
    const nonce = String(++this.#pings);
    this.#awaitedNonce = nonce;
    this.#livenessDue = now + livenessTimeoutMs;
    this.send({ type: "ping", nonce });
  }

  /** A `pong`: with the awaited nonce, the socket reads in time; the next ping is scheduled. */
  #onPong(nonce: string): void {
    if (nonce !== this.#awaitedNonce) return; // a late answer to an earlier ping
    this.#awaitedNonce = undefined;
    this.#livenessDue = Date.now() + this.#host.options.livenessPingMs;
  }

  #onFrame(data: unknown): void {
    if (this.#closed || this.#host.stopping) return;
    const { options, limits } = this.#host;
    if (typeof data !== "string") {
      // The protocol is JSON text only; a client sending binary is not ours, and each binary frame
      // is held whole in memory before we see it: stop at the first.
      this.close(CLOSE.unsupportedData, "binary frames are not accepted: send UTF-8 JSON text frames");
      return;
    }
    if (exceedsBytes(data, options.maxFrameBytes)) {
      this.close(CLOSE.tooLarge, `frames are limited to ${options.maxFrameBytes} bytes`);
      return;
    }
    if (!this.#ready) {
      if (this.#early.length >= options.maxQueuedFrames) {
        this.close(CLOSE.policy, "too many frames before hello");
        return;
      }
      this.#early.push(data);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      raw = undefined;
    }
    const clientId = sendClientId(raw);
    if (!limits.frames.take(this.id).allowed) {
      return this.#reject(rateLimited(1, "Too many frames; slow down."), clientId);
    }
    if (raw === undefined) return this.#reject(badRequest("frame: is not valid JSON"));
    let frame: ClientFrame;
    try {
      frame = parseInput(clientFrame, raw, "frame");
    } catch (error) {
      return this.#reject(toAppError(error), clientId);
    }
    if (frame.type === "pong") return this.#onPong(frame.nonce);
    if (frame.type === "typing") {
      const decision = limits.typing.take(`${this.user.id}:${frame.conversationId.toLowerCase()}`);
      if (!decision.allowed) {
        return this.#reject(
          rateLimited(decision.retryAfterSeconds, "typing: repeat it at most every 3 seconds."),
        );
      }
    }
    if (this.#queued >= options.maxQueuedFrames) {
      return this.#reject(
        rateLimited(1, "Too many frames waiting; wait for answers before sending more."),
        clientId,
      );
    }
    // The send limit is kept in the database: its round trip starts now, overlapping the frames
    // ahead of this one, and is awaited in turn, so the order of answers is unchanged.
    const admission = frame.type === "send" ? limits.send.take(this.user.id) : undefined;
    admission?.catch(() => {}); // awaited (and reported) in #handle
    this.#queued++;
    this.#work = this.#work.then(() => this.#handle(frame, admission)).finally(() => this.#queued--);
  }

  async #handle(frame: ClientFrame, admission?: Promise<RateDecision>): Promise<void> {
    if (this.#closed) return;
    const clientId = frame.type === "send" ? frame.clientId : undefined;
    try {
      switch (frame.type) {
        case "ping":
          this.send({ type: "pong" });
          return;
        case "pong":
          return; // answered in #onFrame, never queued
        case "send": {
          const decision = await admission;
          if (decision !== undefined && !decision.allowed) {
            throw rateLimited(
              decision.retryAfterSeconds,
              "You are sending too fast; wait a moment and send again.",
            );
          }
          const conversationId = frame.conversationId.toLowerCase();
          this.#sending.set(conversationId, (this.#sending.get(conversationId) ?? 0) + 1);
          try {
            const { message } = await this.#host.messaging.sendMessage(this.user.id, {
              conversationId: frame.conversationId,
              clientId: frame.clientId,
              body: frame.body,
            });
            this.#host.acknowledge(this, message, frame.clientId);
          } finally {
            const left = (this.#sending.get(conversationId) ?? 1) - 1;
            if (left > 0) this.#sending.set(conversationId, left);
            else this.#sending.delete(conversationId);
            this.#delivery.sendFinished(conversationId);
          }
          if (this.typingIn.delete(conversationId)) this.stoppedTyping(conversationId);
          return;
        }
        case "typing": {
          const conversationId = frame.conversationId.toLowerCase();
          await this.#host.messaging.setTyping(this.user, conversationId, frame.typing);
          if (frame.typing) this.typingIn.add(conversationId);
          else this.typingIn.delete(conversationId);
          return;
        }
        case "read":
          await this.#host.messaging.markRead(this.user.id, frame.conversationId.toLowerCase(), frame.seq);
          return;
      }
    } catch (error) {
      this.#reject(reportFailure(error, `realtime: ${frame.type} frame`), clientId);
    }
  }

  /** Answers a refused frame; closes with 1008 when refusals come too fast (flooding). */
  #reject(error: AppError, clientId?: string): void {
    this.send(errorFrame(error, clientId));
    const { floodRejections, floodWindowMs } = this.#host.options;
    const now = Date.now();
    this.#rejections.push(now);
    while (this.#rejections.length > 0 && now - this.#rejections[0]! > floodWindowMs) {
      this.#rejections.shift();
    }
    if (this.#rejections.length >= floodRejections) {
      this.close(CLOSE.policy, "too many refused frames: fix the client, then reconnect");
    }
  }
}

/** The `clientId` of a send frame, echoed in its error when it is a sensible string. */
function sendClientId(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const { type, clientId } = raw as { type?: unknown; clientId?: unknown };
  return type === "send" && typeof clientId === "string" && clientId.length >= 1 && clientId.length <= 64
    ? clientId
    : undefined;
}
