/**
 * Scripted chat clients for fault tests: the browser's own `client/` modules — a
 * {@linkcode ChatConnection} (backoff with jitter, heartbeat, no retry after 4401) feeding a
 * {@linkcode ChatStore} (hello, resync by `after=`, one `clientId` per message however often it is
 * resent, de-duplication by id) — wired to Deno's WebSocket with the session cookie and to a REST
 * API with a base URL, as the page wires them to `location`. What only a test needs is added
 * around them: every frame each socket receives is logged with its time and socket number, acks are
 * kept, every REST status is recorded, and the client plays a load balancer's part: a socket that
 * is lost or never opens is retried on the next instance of its list.
 */
import { ChatConnection, type SocketLike } from "../../client/chat_connection.ts";
import { type ChatApi, ChatStore } from "../../client/chat_store.ts";
import { ApiError } from "../../client/api.ts";
import type { ChatBoot, WireConversation, WireMessage } from "../../client/types.ts";
import { conversationPageAnswer, messagesAnswer } from "../../protocol/wire.ts";
import * as v from "valibot";

/** One frame as a socket received it. */
export interface FrameRecord {
  /** `Date.now()` when it arrived. */
  at: number;
  /** Which socket of this client (1 for the first, 2 after the first reconnect…). */
  socket: number;
  /** The instance URL the socket was opened to. */
  instance: string;
  /** The decoded JSON (whatever its shape: unknown frames are logged too). */
  frame: { type?: unknown; [field: string]: unknown };
}

/** How a socket of this client ended. */
export interface CloseRecord {
  at: number;
  socket: number;
  instance: string;
  code: number;
}

/** A message this client sent: when, where, and the ack if one came. */
export interface SentRecord {
  clientId: string;
  conversationId: string;
  body: string;
  at: number;
  ack?: WireMessage;
}

/** Who the client is. */
export interface ClientIdentity {
  userId: string;
  name: string;
  /** `preau_session=…` */
  cookie: string;
  /** The establishments whose conversations this person lists. */
  establishmentIds: string[];
  /**
   * The address a load balancer in front would append as `X-Forwarded-For` (the instances trust
   * 127.0.0.1 as their proxy), so each person counts as their own network, not all as loopback.
   */
  address?: string;
}

/** Options of {@linkcode ScriptedClient}. */
export interface ScriptedClientOptions {
  identity: ClientIdentity;
  /** Instance base URLs, e.g. `http://127.0.0.1:41234`; the first is tried first. */
  instances: readonly string[];
  /** Passed to the connection (e.g. a seeded random for the jitter). Default `Math.random`. */
  random?: () => number;
}

/**
 * The clients' one HTTP client, keeping no idle connection: after a burst of resyncs the instances'
 * established connections are then the sockets alone, which the checker counts against a baseline.
 */
let http: Deno.HttpClient | undefined;

/**
 * How long one instance gets to answer a REST call before the next is tried: a load balancer stops
 * sending to an instance that does not answer (a frozen one) within a few seconds.
 */
const REST_TIMEOUT_MS = 3_000;

/** Messages each thread keeps when a long run forgets its logs (`forgetLogs`). */
const KEPT_PER_THREAD = 50;

/** See the module documentation. */
export class ScriptedClient {
  readonly identity: ClientIdentity;
  readonly frames: FrameRecord[] = [];
  readonly closes: CloseRecord[] = [];
  /** Sent messages by clientId. */
  readonly sent = new Map<string, SentRecord>();
  /** Every REST answer's status (0 for a network failure); `detail` (which instance, what it said) for a 5xx. */
  readonly restStatuses: { at: number; path: string; status: number; detail?: string }[] = [];
  /** When the session was announced as ended (close 4401), if it was. */
  sessionEndedAt: number | undefined;
  readonly store: ChatStore;
  readonly connection: ChatConnection;
  #instances: readonly string[];
  #target = 0;
  #goHome = false;
  #sockets = 0;
  #opened = false;
  #current: { socket: number; instance: string } | undefined;

  constructor(options: ScriptedClientOptions, boot: ChatBoot) {
    this.identity = options.identity;
    this.#instances = options.instances;
    this.store = new ChatStore(boot, this.#api());
    this.connection = new ChatConnection({
      url: "ws://load-balancer/ws/chat",
      createSocket: () => this.#createSocket(),
      onFrame: (frame) => this.store.handleFrame(frame),
      onDisconnected: () => this.store.handleDisconnect(),
      onSessionEnded: () => this.sessionEndedAt ??= Date.now(),
      checkSession: () => this.#sessionIsValid(),
      random: options.random,
    });
    this.store.attach(this.connection);
  }

  /**
   * Makes a client for `identity`: lists its conversations over REST (as the page's server render
   * would), loads each one's newest page, and connects.
   */
  static async open(options: ScriptedClientOptions): Promise<ScriptedClient> {
    const probe = new ScriptedClient(options, emptyBoot(options.identity));
    // Every page of the list (the scripts keep every conversation loaded, unlike the page's first screen).
    const conversations: WireConversation[] = [];
    let cursor: string | undefined;
    do {
      const page = await probe.#api().fetchConversationPage(options.identity.establishmentIds, {
        limit: 100,
        cursor,
      });
      conversations.push(...page.conversations);
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
    const client = new ScriptedClient(options, { ...emptyBoot(options.identity), conversations });
    client.restStatuses.push(...probe.restStatuses);
    await Promise.all(conversations.map((c) => client.store.ensureLoaded(c.id)));
    client.connection.start();
    return client;
  }

  /** The instance the current socket was opened to, while one is open. */
  get instance(): string | undefined {
    return this.#opened ? this.#current?.instance : undefined;
  }

  /** The instance this client's sockets go to first. */
  get home(): string {
    return this.#instances[0]!;
  }

  /**
   * Drops the socket and connects again to the first instance (as a reloaded tab would; the store
   * and its outbox stay).
   */
  reconnectHome(): void {
    this.connection.stop();
    this.store.handleDisconnect();
    this.#goHome = true;
    this.connection.start();
  }

  /** Number of `hello` frames received so far (one per successful (re)connect). */
  get hellos(): number {
    return this.frames.filter((f) => f.frame.type === "hello").length;
  }

  /** Sends a message through the store (queued while offline, like a person typing it); returns its clientId. */
  send(conversationId: string, body: string): string {
    this.store.send(conversationId, body);
    const item = this.store.outbox.peek().at(-1)!;
    this.sent.set(item.clientId, { clientId: item.clientId, conversationId, body, at: Date.now() });
    return item.clientId;
  }

  /** A keystroke in the composer. */
  type(conversationId: string): void {
    this.store.noteTyping(conversationId);
  }

  /** The messages the store holds for a conversation (live and resynced, de-duplicated, by seq). */
  held(conversationId: string): WireMessage[] {
    return this.store.thread(conversationId).messages.peek();
  }

  /** Stops for good (closes the socket with 1000, no reconnect). */
  stop(): void {
    this.connection.stop();
  }

  /** Forgets the frames, closes and statuses logged so far (long runs check and clear per window). */
  forgetLogs(): void {
    this.frames.length = 0;
    this.closes.length = 0;
    this.restStatuses.length = 0;
    for (const [id, sent] of this.sent) if (sent.ack) this.sent.delete(id);
    // The threads too, down to their newest messages (a window checks only what came after its
    // start): a thousand clients holding every message of a long run would outgrow the harness.
    for (const conversation of this.store.conversations.peek()) {
      const thread = this.store.thread(conversation.id);
      const held = thread.messages.peek();
      if (held.length > KEPT_PER_THREAD) thread.messages.value = held.slice(-KEPT_PER_THREAD);
    }
  }

  #createSocket(): SocketLike {
    // A reconnect goes to the next instance, as a load balancer would once this one failed.
    if (this.#goHome) this.#target = 0;
    else if (this.#sockets > 0) this.#target++;
    this.#goHome = false;
    const instance = this.#instances[this.#target % this.#instances.length]!;
    const socketNo = ++this.#sockets;
    this.#current = { socket: socketNo, instance };
    this.#opened = false;
    // Deno's WebSocket takes `{ headers }` as its second argument (its types say protocols only).
    const init: unknown = { headers: this.#headers() };
    const socket = new WebSocket(`${instance.replace(/^http/, "ws")}/ws/chat`, init as string[]);
    socket.addEventListener("open", () => {
      if (this.#current?.socket === socketNo) this.#opened = true;
    });
    socket.addEventListener("message", (event) => {
      let frame: FrameRecord["frame"];
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        frame = { type: "<not json>", data: String(event.data).slice(0, 200) };
      }
      this.frames.push({ at: Date.now(), socket: socketNo, instance, frame });
      if (frame.type === "ack" && typeof frame.clientId === "string") {
        const sent = this.sent.get(frame.clientId);
        if (sent) sent.ack ??= frame.message as WireMessage;
      }
    });
    socket.addEventListener("close", (event) => {
      this.closes.push({ at: Date.now(), socket: socketNo, instance, code: event.code });
      if (this.#current?.socket === socketNo) this.#opened = false;
    });
    return socket;
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { cookie: this.identity.cookie };
    if (this.identity.address) headers["x-forwarded-for"] = this.identity.address;
    return headers;
  }

  #instanceOrder(): string[] {
    const first = this.#target % this.#instances.length;
    return [...this.#instances.slice(first), ...this.#instances.slice(0, first)];
  }

  /** GET `path` with the cookie on the current instance, then the others when one cannot be reached. */
  async #get<T>(path: string, schema: v.GenericSchema<unknown, T>, signal?: AbortSignal): Promise<T> {
    let lastError: unknown;
    for (const base of this.#instanceOrder()) {
      let res: Response;
      try {
        http ??= Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
        res = await fetch(`${base}${path}`, {
          client: http,
          headers: { ...this.#headers(), accept: "application/json" },
          signal: signal
            ? AbortSignal.any([signal, AbortSignal.timeout(REST_TIMEOUT_MS)])
            : AbortSignal.timeout(REST_TIMEOUT_MS),
        });
      } catch (error) {
        this.restStatuses.push({ at: Date.now(), path, status: 0 });
        lastError = new ApiError(0, "network", error instanceof Error ? error.message : String(error));
        continue;
      }
      const text = await res.text();
      this.restStatuses.push({
        at: Date.now(),
        path,
        status: res.status,
        ...(res.status >= 500
          ? { detail: `${base} at ${new Date().toISOString()}: ${text.slice(0, 200)}` }
          : {}),
      });
      if (!res.ok) {
        let code = "http_error";
        try {
          code = JSON.parse(text).error.code;
        } catch { /* not an error body */ }
        throw new ApiError(res.status, code, `${path} answered ${res.status}: ${text.slice(0, 200)}`);
      }
      return v.parse(schema, JSON.parse(text));
    }
    throw lastError;
  }

  #api(): ChatApi {
    return {
      fetchMessages: async (conversationId, page, signal) => {
        const query = new URLSearchParams();
        if (page.after !== undefined) query.set("after", String(page.after));
        if (page.before !== undefined) query.set("before", String(page.before));
        if (page.limit !== undefined) query.set("limit", String(page.limit));
        const path = `/api/conversations/${encodeURIComponent(conversationId)}/messages?${query}`;
        return (await this.#get(path, messagesAnswer, signal)).messages;
      },
      fetchConversationPage: async (establishmentIds, page = {}, signal) => {
        const query = new URLSearchParams({ establishmentIds: establishmentIds.join(",") });
        if (page.limit !== undefined) query.set("limit", String(page.limit));
        if (page.cursor !== undefined) query.set("cursor", page.cursor);
        return await this.#get(`/api/conversations?${query}`, conversationPageAnswer, signal);
      },
      // Read markers go over the socket in these scripts; nothing posts them over REST.
      postRead: () => Promise.resolve(),
    };
  }

  async #sessionIsValid(): Promise<boolean> {
    try {
      await this.#get("/api/me", v.unknown());
      return true;
    } catch (error) {
      return !(error instanceof ApiError && error.status === 401);
    }
  }
}

function emptyBoot(identity: ClientIdentity): ChatBoot {
  return {
    locale: "fr",
    timeZone: "Europe/Paris",
    user: { id: identity.userId, name: identity.name },
    establishmentId: identity.establishmentIds[0]!,
    establishments: identity.establishmentIds.map((id) => ({ id, name: id })),
    basePath: "/fr/admin/messagerie",
    conversations: [],
    selectedId: null,
    messages: [],
    hasOlder: false,
    canCreateGroups: true,
    loginPath: "/fr/login",
  };
}
