/**
 * One WebSocket: its frames in, its frames out, and its limits.
 *
 * In: frames are held until `hello` is out (so `hello` is always first), then checked one by one —
 * size (over the limit: close 1009), text and JSON, the `clientFrame` schema, the socket's rate
 * limits (frames, typing; the send limit is the domain's, shared with REST) — and
 * answered one at a time in arrival order; up to `maxPipelinedSends` sends are stored meanwhile
 * (they reach the domain in arrival order, so their seqs keep it). Every refusal is an `error`
 * frame and the socket stays open, unless refusals pile up (flooding: close 1008).
 *
 * Out: frames go through `send` (or `sendText` for a text serialised once for many sockets). Deno
 * applies no backpressure, so past half of `maxBufferedBytes` in Deno's buffer frames wait in a
 * bounded `SocketOutbox`; when that fills, the waiting message frames are dropped for one `resync`
 * frame, and a reader that still does not read is closed with 1013. Messages and acks first pass
 * `socket_delivery.ts`, which keeps them in seq order, once, per conversation.
 *
 * Per-socket state is kept small (an idle socket should cost little more than Deno's own): no
 * closures beyond the socket's two handlers, no timers (session expiry is the hub's sweep), and
 * the early-frame queue, send counters, refusal times and outbox exist only while needed.
 *
 * Liveness: bytes alone miss a stopped reader (the kernel's buffers take megabytes first), so every
 * `livenessPingMs` the socket gets a `ping` frame with a nonce and must answer `pong` with it within
 * `livenessTimeoutMs`, or it is closed with 1013 (checked by the hub's sweep, `checkLiveness`: no
 * timer per socket). The `pong` is handled as it arrives, never queued behind a slow send, so a
 * socket is judged by its reading alone.
 */
import type { ConversationSummary, Message } from "../db/models.ts";
import { AppError, badRequest, rateLimited, reportFailure, toAppError } from "../domain/errors.ts";
import { parseInput } from "../domain/schemas.ts";
import * as v from "valibot";
import { type ClientFrame, clientFrame, type ResumeFrame, resumeFrame } from "../protocol/client_frames.ts";
import { CLOSE, type HelloConversation, type ServerFrame } from "../protocol/server_frames.ts";
import type { Messaging } from "../domain/messaging.ts";
import type { RateLimiter } from "../domain/rate_limit.ts";
import type { StreamWatcher } from "./conversation_stream.ts";
import { type DeliveryHost, SocketDelivery } from "./socket_delivery.ts";
import { SocketOutbox } from "./socket_outbox.ts";
import {
  closeReason,
  conversationFrame,
  errorFrame,
  exceedsBytes,
  helloFrame,
  messageFrame,
  messageFrameText,
  serializeFrame,
} from "./frames.ts";
import type { ResolvedOptions } from "./options.ts";

/** What a connection needs from the hub. */
export interface ConnectionHost {
  readonly messaging: Messaging;
  readonly options: ResolvedOptions;
  /** Per socket, in memory; the send limit is per person, applied by the domain (`sendMessage`). */
  readonly limits: { typing: RateLimiter; frames: RateLimiter };
  /** True once shutdown began: new frames are ignored. */
  readonly stopping: boolean;
  /** Starts delivering conversation `conversationId` to `conn` after `sentSeq`. */
  attach(conn: Connection, conversationId: string, sentSeq: number): void;
  /** Forgets `conn` everywhere (called once, when it closes). */
  unregister(conn: Connection): void;
  /** A send of `conn` was stored (and published by the domain): ack it in its place. */
  acknowledge(conn: Connection, message: Message, clientId: string): void;
  fetchAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]>;
  /** `conn` has frames waiting in its outbox: call its `flushOutbox()` until it returns true. */
  backlogged?(conn: Connection): void;
  /** `conn`'s waiting message frames were dropped for a `resync` frame (counted in stats). */
  resynced?(conn: Connection): void;
}

let nextId = 0;

/** See the module documentation. */
export class Connection implements StreamWatcher, DeliveryHost {
  readonly id = `c${++nextId}`;
  readonly #host: ConnectionHost;
  readonly #socket: WebSocket;
  #ready = false;
  #closed = false;
  #isGone = false;
  #gone: PromiseWithResolvers<void> | undefined;
  /** Frames received before `hello` was out; `resume` is looked for in the first of them. */
  #early: string[] | undefined;
  #earlyConversations: ConversationSummary[] | undefined;
  /** Set while a socket opened with `?resume=1` waits for its `resume` frame. */
  #resumeWanted: ((frame: ResumeFrame | undefined) => void) | undefined;
  readonly #delivery: SocketDelivery;
  #work: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Settles once the latest send has been handed to the domain (or refused): the next one waits. */
  #handedOver: Promise<void> = Promise.resolve();
  #pipelined = 0;
  /** Sends of this socket not yet answered, per conversation (their messages wait for the ack). */
  #sending: Map<string, number> | undefined;
  #rejections: number[] | undefined;
  #outbox: SocketOutbox | undefined;
  /** When `checkLiveness` next acts: the next ping is due, or the awaited pong is late (epoch ms). */
  #livenessDue = Infinity;
  /** The nonce of the `ping` awaiting its `pong`, if one is out. */
  #awaitedNonce: string | undefined;
  #pings = 0;
  /** Conversations where this socket said `typing: true` last. */
  #typingIn: Set<string> | undefined;

  constructor(
    host: ConnectionHost,
    socket: WebSocket,
    readonly user: { id: string; name: string },
    readonly sessionId: string,
  ) {
    this.#host = host;
    this.#socket = socket;
    this.#delivery = new SocketDelivery(this);
    socket.onmessage = (event) => this.#onFrame(event.data);
    socket.onclose = () => this.#onClosed();
    socket.onerror = ignore; // a close event follows; errors of dead peers are routine
  }

  /** Resolves when the socket is closed for good (close handshake done, or the peer vanished). */
  get gone(): Promise<void> {
    if (this.#isGone) return Promise.resolve();
    return (this.#gone ??= Promise.withResolvers<void>()).promise;
  }

  // ---- DeliveryHost (socket_delivery.ts) -----------------------------------------------------

  get userId(): string {
    return this.user.id;
  }

  get maxHeld(): number {
    return this.#host.options.maxCatchUpQueue;
  }

  isClosed(): boolean {
    return this.#closed;
  }

  isSending(conversationId: string): boolean {
    return (this.#sending?.get(conversationId) ?? 0) > 0;
  }

  fetchAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.#host.fetchAfter(conversationId, afterSeq, limit);
  }

  /** A message in its order: the `message` text shared by every socket, or this socket's `ack`. */
  sendMessage(message: Message, clientId?: string): void {
    if (clientId !== undefined) return this.send(messageFrame(message, this.user.id, clientId));
    this.sendText(messageFrameText(message, this.user.id), true, message.conversationId, message.seq);
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

  /**
   * Resolves with the socket's `resume` frame: its first frame when it is one (`undefined` when the
   * first frame is something else, or none comes within `waitMs`, or the socket closes).
   */
  resumeFrame(waitMs: number): Promise<ResumeFrame | undefined> {
    const { promise, resolve } = Promise.withResolvers<ResumeFrame | undefined>();
    if (this.#closed || this.#ready) {
      resolve(undefined);
      return promise;
    }
    const timer = setTimeout(() => this.#resumeWanted?.(undefined), waitMs);
    this.#resumeWanted = (frame) => {
      clearTimeout(timer);
      this.#resumeWanted = undefined;
      resolve(frame);
    };
    return promise;
  }

  /** Sends `hello` with `states` (read after registration), then lets frames through. */
  begin(states: readonly HelloConversation[]): void {
    if (this.#closed) return;
    this.#resumeWanted?.(undefined);
    for (const state of states) this.#host.attach(this, state.id, state.lastSeq);
    this.send(helloFrame(this.user, states));
    this.#ready = true;
    this.#livenessDue = Date.now() + this.#host.options.livenessPingMs;
    this.#delivery.startRepairs();
    const conversations = this.#earlyConversations;
    const early = this.#early;
    this.#earlyConversations = this.#early = undefined;
    for (const summary of conversations ?? []) this.addConversation(summary);
    for (const data of early ?? []) this.#onFrame(data);
  }

  /** The user was added to a conversation: push it, then its messages. */
  addConversation(summary: ConversationSummary): void {
    if (this.#closed) return;
    if (!this.#ready) {
      (this.#earlyConversations ??= []).push(summary);
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

  /** Sends a frame meant for this socket alone (never dropped for a slow reader). */
  send(frame: ServerFrame): void {
    if (this.#closed) return;
    this.sendText(serializeFrame(frame), false);
  }

  /**
   * Sends a frame's text, often one serialised once for many sockets. A `droppable` one (message,
   * typing, read) may be dropped for a `resync` frame when this socket reads too slowly; a message
   * frame names its conversation and seq so that the `resync` frame says where to fetch up to.
   */
  sendText(text: string, droppable: boolean, conversationId?: string, seq?: number): void {
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) return;
    const highWater = this.#host.options.maxBufferedBytes / 2;
    try {
      if (this.#outbox === undefined && this.#socket.bufferedAmount < highWater) {
        this.#socket.send(text);
        return;
      }
      this.#outbox ??= new SocketOutbox(highWater, this.#host.options.maxOutboxFrames, resyncText);
      const result = this.#outbox.push(text, droppable, conversationId, seq);
      if (result === "overflow") {
        this.close(CLOSE.tryAgainLater, "you read too slowly: reconnect, then fetch what you missed");
        return;
      }
      if (result === "resync") this.#host.resynced?.(this);
      if (!this.flushOutbox()) this.#host.backlogged?.(this);
    } catch {
      return; // the socket is closing; its close event does the rest
    }
  }

  /** Hands waiting frames to the socket as its buffer drains; true once nothing waits (or closed). */
  flushOutbox(): boolean {
    if (this.#outbox === undefined) return true;
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) {
      this.#outbox = undefined;
      return true;
    }
    try {
      if (!this.#outbox.flush(this.#socket, this.#host.options.maxBufferedBytes / 2)) return false;
    } catch { /* closing: its close event does the rest */ }
    this.#outbox = undefined;
    return true;
  }

  /** Closes the socket with `code` and stops everything about it. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox = undefined;
    this.#resumeWanted?.(undefined);
    this.#host.unregister(this);
    try {
      this.#socket.close(code, closeReason(reason));
    } catch { /* already closing */ }
  }

  /** Clears every typing indicator of this socket (it closed). */
  stopTypingEverywhere(): void {
    for (const conversationId of this.#typingIn ?? []) this.stoppedTyping(conversationId);
    this.#typingIn = undefined;
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
    this.#isGone = true;
    this.#gone?.resolve();
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox = undefined;
    this.#resumeWanted?.(undefined);
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
      if (this.#resumeWanted !== undefined && this.#early === undefined) {
        const resume = parseResume(data);
        this.#resumeWanted(resume);
        if (resume !== undefined) return;
      }
      this.#early ??= [];
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
    // Stored now, alongside the frames ahead of it, while few are; answered in its turn.
    const early = frame.type === "send" && this.#pipelined < options.maxPipelinedSends
      ? this.#store(frame)
      : undefined;
    this.#queued++;
    this.#work = this.#work.then(() => this.#handle(frame, early)).finally(() => this.#queued--);
  }

  /**
   * Hands the send to the domain (which applies the send limit, shared with REST), after the
   * previous send of this socket was handed over (so sends reach the domain, hence their seqs, in
   * arrival order).
   */
  #store(frame: ClientFrame & { type: "send" }): Promise<Message> {
    const conversationId = frame.conversationId.toLowerCase();
    // Counted from now: this user's messages in the conversation wait for the ack (socket_delivery).
    const sending = this.#sending ??= new Map();
    sending.set(conversationId, (sending.get(conversationId) ?? 0) + 1);
    this.#pipelined++;
    const previous = this.#handedOver;
    const handedOver = Promise.withResolvers<void>();
    this.#handedOver = handedOver.promise;
    const stored = (async () => {
      try {
        await previous;
        const sending = this.#host.messaging.sendMessage(this.user.id, {
          conversationId: frame.conversationId,
          clientId: frame.clientId,
          body: frame.body,
        });
        handedOver.resolve();
        return (await sending).message;
      } finally {
        handedOver.resolve();
        this.#pipelined--;
      }
    })();
    stored.catch(() => {}); // awaited (and reported) in #handle
    return stored;
  }

  async #handle(frame: ClientFrame, early?: Promise<Message>): Promise<void> {
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
          const conversationId = frame.conversationId.toLowerCase();
          const stored = early ?? this.#store(frame);
          try {
            this.#host.acknowledge(this, await stored, frame.clientId);
          } finally {
            const sending = this.#sending;
            const left = (sending?.get(conversationId) ?? 1) - 1;
            if (left > 0) sending?.set(conversationId, left);
            else sending?.delete(conversationId);
            if (sending?.size === 0) this.#sending = undefined;
            this.#delivery.sendFinished(conversationId);
          }
          if (this.#typingIn?.delete(conversationId)) this.stoppedTyping(conversationId);
          return;
        }
        case "typing": {
          const conversationId = frame.conversationId.toLowerCase();
          await this.#host.messaging.setTyping(this.user, conversationId, frame.typing);
          if (frame.typing) (this.#typingIn ??= new Set()).add(conversationId);
          else this.#typingIn?.delete(conversationId);
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
    const rejections = this.#rejections ??= [];
    rejections.push(now);
    while (rejections.length > 0 && now - rejections[0]! > floodWindowMs) rejections.shift();
    if (rejections.length >= floodRejections) {
      this.close(CLOSE.policy, "too many refused frames: fix the client, then reconnect");
    }
  }
}

function ignore(): void {}

/** The `resync` frame naming, per conversation, the last seq the outbox dropped. */
function resyncText(dropped: Map<string, number>): string {
  return serializeFrame({
    type: "resync",
    conversations: [...dropped].map(([id, lastSeq]) => ({ id, lastSeq })),
  });
}

/** `data` as a `resume` frame, or `undefined` when it is not one (it is then handled as usual). */
function parseResume(data: string): ResumeFrame | undefined {
  try {
    const result = v.safeParse(resumeFrame, JSON.parse(data));
    return result.success ? result.output : undefined;
  } catch {
    return undefined;
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
