/**
 * One WebSocket to `/ws/chat`, kept alive: reconnects with exponential backoff and jitter after
 * any loss, capped at 4 s so that everyone is back within 5 s of a server's return (never after
 * close code 4401: the session ended; never after the server refused one tab too many). A `ping`
 * goes out after 3 s without any frame, and a socket that then stays silent for 4 s more is given
 * up (a frozen server or a dead network does not close a socket): a dead connection shows within
 * 10 s, and an upgrade that does not open within 5 s is given up too. The server's own liveness
 * `ping` (every 5 s) is answered with its `pong` here, and counts as hearing from the server. It also retries at once when the browser comes back online or the tab becomes visible.
 * What to do with frames is the caller's business (`onFrame`, `onConnected`, `onDisconnected`).
 */
import { signal } from "@preact/signals";
import { backoffDelay } from "../util/backoff.ts";
import { type ClientFrame, parseServerFrame, type ResumeFrame, type ServerFrame } from "./types.ts";

/** What the status indicator shows. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "too_many";

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
  /**
   * The last seqs held, sent as the socket's first frame (the socket is opened with `?resume=1`),
   * so that `hello` carries the messages missed meanwhile. Default: none (plain `hello`).
   */
  resume?(): ResumeFrame;
  /** Default: `new WebSocket(url)`. */
  createSocket?(url: string): SocketLike;
  /** Silence after which a `ping` is sent. Default 3000 ms. */
  pingIntervalMs?: number;
  /** Silence after the `ping` after which the socket is given up. Default 4000 ms. */
  pongTimeoutMs?: number;
  /** An upgrade not open after this long is given up (a frozen server accepts but never answers). Default 5000 ms. */
  openTimeoutMs?: number;
  /** Backoff of the first retry; doubles per failure. Default 500 ms. */
  baseDelayMs?: number;
  /** Largest backoff (with jitter, half of it is random). Default 4000 ms. */
  maxDelayMs?: number;
  random?: () => number;
  /** Default: `navigator.onLine` where it exists. */
  isOnline?(): boolean;
}

const OPEN = 1;
/** Private close code: we gave up on a silent socket. */
const HEARTBEAT_LOST = 4000;
const SESSION_ENDED = 4401;
/** The server's policy close; with this reason it means one socket too many for the account. */
const POLICY = 1008;
const TOO_MANY_REASON = /^too many connections: /;

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
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the current socket last delivered a frame (epoch ms). */
  private lastHeard = 0;
  private readonly onOnline = () => this.retryNow();
  private readonly onVisible = () => {
    if (typeof document !== "undefined" && document.visibilityState === "visible") this.retryNow();
  };
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
    globalThis.document?.addEventListener("visibilitychange", this.onVisible);
    this.connect();
  }

  /** Closes for good: no reconnect until `start()` again. */
  stop(): void {
    this.stopped = true;
    globalThis.removeEventListener?.("online", this.onOnline);
    globalThis.removeEventListener?.("offline", this.onOffline);
    globalThis.document?.removeEventListener("visibilitychange", this.onVisible);
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

  /**
   * Skips the remaining backoff (the status's "retry now" button, the browser coming online, the
   * tab becoming visible); after "too many tabs" it starts again (the person closed one).
   */
  retryNow(): void {
    if (this.state.peek() === "too_many" && this.stopped) {
      this.attempt = 0;
      this.start();
      return;
    }
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
    const url = this.options.resume ? withResumeFlag(this.options.url) : this.options.url;
    try {
      socket = this.options.createSocket?.(url) ?? new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    this.opened = false;
    clearTimeout(this.openTimer);
    this.openTimer = setTimeout(() => {
      if (this.socket === socket && !this.opened) this.lost(HEARTBEAT_LOST, "");
    }, this.options.openTimeoutMs ?? 5000);
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      clearTimeout(this.openTimer);
      this.opened = true;
      if (this.options.resume) {
        try {
          socket.send(JSON.stringify(this.options.resume()));
        } catch { /* closing: the close event follows */ }
      }
      this.state.value = "connected";
      this.heard();
      this.options.onConnected?.();
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      this.heard();
      const frame = parseServerFrame((event as MessageEvent).data);
      if (frame?.type === "ping") {
        // The server's liveness check: unanswered, it closes the socket as a reader that stopped.
        this.send({ type: "pong", nonce: frame.nonce });
        return;
      }
      if (frame?.type === "hello") this.attempt = 0;
      if (frame) this.options.onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      const { code, reason } = event as CloseEvent;
      this.lost(code, reason ?? "");
    });
  }

  /** The current socket is gone (closed by the server, the network, or our heartbeat). */
  private lost(code: number | undefined, reason: string): void {
    const wasOpen = this.opened;
    this.dropSocket();
    this.options.onDisconnected?.();
    if (this.stopped) return;
    if (code === SESSION_ENDED) return this.endSession();
    if (code === POLICY && TOO_MANY_REASON.test(reason)) {
      // Retrying would be refused the same way until another tab closes: say so and wait.
      this.stop();
      this.state.value = "too_many";
      return;
    }
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
      baseMs: this.options.baseDelayMs ?? 500,
      maxMs: this.options.maxDelayMs ?? 4000,
      random: this.options.random,
    });
    this.state.value = this.online() ? "reconnecting" : "offline";
    this.retryAt.value = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /**
   * A frame arrived: the connection is alive; ping after the next silence. Only the time is noted
   * here: a busy socket hears many frames a second, and re-arming a timer for each one costs more
   * than the rest of the frame's handling (the timer, when it fires early, waits out the remainder).
   */
  private heard(): void {
    this.lastHeard = Date.now();
    if (this.pongTimer !== undefined) {
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    }
    if (this.pingTimer === undefined) this.armPing(this.options.pingIntervalMs ?? 3000);
  }

  private armPing(delay: number): void {
    this.pingTimer = setTimeout(() => {
      this.pingTimer = undefined;
      const silence = Date.now() - this.lastHeard;
      const interval = this.options.pingIntervalMs ?? 3000;
      if (silence < interval) return this.armPing(interval - silence);
      if (!this.send({ type: "ping" })) return;
      this.pongTimer = setTimeout(() => {
        if (this.socket !== undefined) this.lost(HEARTBEAT_LOST, "");
      }, this.options.pongTimeoutMs ?? 4000);
    }, delay);
  }

  private dropSocket(code = HEARTBEAT_LOST): void {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.openTimer);
    this.pingTimer = this.pongTimer = this.openTimer = undefined;
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

/** `url` asking the server to wait for a `resume` frame before `hello`. */
function withResumeFlag(url: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}resume=1`;
}
