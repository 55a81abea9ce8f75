/**
 * One WebSocket to `/ws/chat`, kept alive: reconnects with exponential backoff and jitter after
 * any loss (never after close code 4401: the session ended), sends `ping` every 25 s and
 * reconnects when no frame answers within 10 s (a dead network does not always close a socket),
 * and reconnects at once when the browser comes back online. What to do with frames is the
 * caller's business (`onFrame`, `onConnected`, `onDisconnected`).
 */
import { signal } from "@preact/signals";
import { backoffDelay } from "../util/backoff.ts";
import { type ClientFrame, parseServerFrame, type ServerFrame } from "./types.ts";

/** What the status indicator shows. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

/** The part of `WebSocket` used here (tests may pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "close" | "message" | "error", listener: (event: Event) => void): void;
}

/** Options of {@linkcode ChatConnection}. */
export interface ConnectionOptions {
  /** e.g. `wss://example.org/ws/chat`. */
  url: string;
  onFrame(frame: ServerFrame): void;
  /** The socket is open (frames may be sent; `hello` follows). */
  onConnected?(): void;
  /** The socket was lost or closed; a reconnect is scheduled unless the session ended. */
  onDisconnected?(): void;
  /** Close code 4401, or a refused upgrade while `checkSession` says signed out. */
  onSessionEnded(): void;
  /** Asked after an upgrade that never opened: false means signed out. Default: always true. */
  checkSession?(): Promise<boolean>;
  /** Default: `new WebSocket(url)`. */
  createSocket?(url: string): SocketLike;
  /** Default 25 000 ms. */
  pingIntervalMs?: number;
  /** Default 10 000 ms. */
  pongTimeoutMs?: number;
  /** Backoff of the first retry; doubles per failure. Default 1000 ms. */
  baseDelayMs?: number;
  /** Default 30 000 ms. */
  maxDelayMs?: number;
  random?: () => number;
  /** Default: `navigator.onLine` where it exists. */
  isOnline?(): boolean;
}

const OPEN = 1;
/** Private close code: we gave up on a silent socket. */
const HEARTBEAT_LOST = 4000;
const SESSION_ENDED = 4401;

export class ChatConnection {
  /** Current state, for the status indicator and for deciding whether to queue. */
  readonly state = signal<ConnectionState>("connecting");
  /** When the next reconnect attempt happens (epoch ms), while one is scheduled. */
  readonly retryAt = signal<number | null>(null);

  private socket: SocketLike | undefined;
  private attempt = 0;
  private opened = false;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onOnline = () => this.retryNow();
  private readonly onOffline = () => {
    if (this.state.peek() !== "connected") this.state.value = "offline";
  };

  constructor(private readonly options: ConnectionOptions) {}

  /** Opens the connection (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    globalThis.addEventListener?.("online", this.onOnline);
    globalThis.addEventListener?.("offline", this.onOffline);
    this.connect();
  }

  /** Closes for good: no reconnect until `start()` again. */
  stop(): void {
    this.stopped = true;
    globalThis.removeEventListener?.("online", this.onOnline);
    globalThis.removeEventListener?.("offline", this.onOffline);
    clearTimeout(this.retryTimer);
    this.retryAt.value = null;
    this.dropSocket(1000);
  }

  /** Whether frames can be sent right now. */
  isOpen(): boolean {
    return this.socket !== undefined && this.opened && this.socket.readyState === OPEN;
  }

  /** Sends a frame when open; returns false (nothing sent) otherwise. */
  send(frame: ClientFrame): boolean {
    if (!this.isOpen()) return false;
    try {
      this.socket!.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Skips the remaining backoff (the status's "retry now" button, the browser coming online). */
  retryNow(): void {
    if (this.stopped || this.socket !== undefined) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  private connect(): void {
    this.retryAt.value = null;
    if (this.state.peek() !== "offline" || this.online()) {
      this.state.value = this.attempt === 0 ? "connecting" : "reconnecting";
    }
    let socket: SocketLike;
    try {
      socket = this.options.createSocket?.(this.options.url) ?? new WebSocket(this.options.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    this.opened = false;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      this.opened = true;
      this.state.value = "connected";
      this.startHeartbeat();
      this.options.onConnected?.();
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
      const frame = parseServerFrame((event as MessageEvent).data);
      if (frame?.type === "hello") this.attempt = 0;
      if (frame) this.options.onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.lost((event as CloseEvent).code);
    });
  }

  /** The current socket is gone (closed by the server, the network, or our heartbeat). */
  private lost(code: number | undefined): void {
    const wasOpen = this.opened;
    this.dropSocket();
    this.options.onDisconnected?.();
    if (this.stopped) return;
    if (code === SESSION_ENDED) return this.endSession();
    if (!wasOpen && this.options.checkSession) {
      // A refused upgrade looks like any network failure; ask REST whether we are signed out.
      this.state.value = this.online() ? "reconnecting" : "offline";
      void this.options.checkSession().then((valid) => {
        if (this.stopped) return;
        if (valid) this.scheduleRetry();
        else this.endSession();
      });
      return;
    }
    this.scheduleRetry();
  }

  private endSession(): void {
    this.stop();
    this.state.value = "offline";
    this.options.onSessionEnded();
  }

  private scheduleRetry(): void {
    const delay = backoffDelay(this.attempt++, {
      baseMs: this.options.baseDelayMs,
      maxMs: this.options.maxDelayMs,
      random: this.options.random,
    });
    this.state.value = this.online() ? "reconnecting" : "offline";
    this.retryAt.value = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private startHeartbeat(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (!this.send({ type: "ping" })) return;
      this.pongTimer ??= setTimeout(() => {
        const socket = this.socket;
        if (socket === undefined) return;
        this.lost(HEARTBEAT_LOST);
      }, this.options.pongTimeoutMs ?? 10_000);
    }, this.options.pingIntervalMs ?? 25_000);
  }

  private dropSocket(code = HEARTBEAT_LOST): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = this.pongTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    this.opened = false;
    try {
      socket?.close(code);
    } catch { /* already closed */ }
  }

  private online(): boolean {
    if (this.options.isOnline) return this.options.isOnline();
    return typeof navigator === "undefined" || navigator.onLine !== false;
  }
}
