/**
 * This instance's sockets, indexed by user, session and conversation, and what bus events do to
 * them. Messages go through one `ConversationStream` per conversation watched here (ordered, gaps
 * read from the database); typing and read markers go straight to the conversation's sockets;
 * `conversation` events attach the new conversation to its members' sockets; session and membership
 * events close sockets with 4401.
 *
 * Registration order closes the race between "what the socket was told" and "what it is sent": a
 * socket is indexed by user and session BEFORE its `hello` is read from the database, and attached
 * to its conversations right after, with the seqs of that `hello`. A message committed in between
 * was hinted to this instance; `recentSeq` remembers the last hinted seq of every conversation (even
 * ones nobody here watched yet), so a new stream starts knowing it, and a socket that joins a stream
 * already past its `hello` is caught up from the database alone (see `connection.ts`).
 *
 * Nothing here is trusted to stay right forever: every `revalidateIntervalMs`, and after any bus
 * fault, each user's sessions and conversations are read again — ended sessions and lost
 * conversations close their sockets (4401), missed conversations are pushed, missed seqs fetched.
 */
import type { Database } from "../db/types.ts";
import type { Message } from "../db/models.ts";
import { getConversationSummary, listParticipantIds } from "../db/conversations.ts";
import { listMessagesAfter } from "../db/messages.ts";
import { getActiveSession, listEndedSessions } from "../db/sessions.ts";
import type { Messaging } from "../domain/messaging.ts";
import { type RateLimitStore, SharedLimiter } from "../domain/limits.ts";
import { RateLimiter } from "../domain/rate_limit.ts";
import { Semaphore } from "./async.ts";
import { settlesWithin, sleep } from "../util/timeout.ts";
import { Connection, type ConnectionHost } from "./connection.ts";
import { ConversationStream } from "./conversation_stream.ts";
import type { BusEvent } from "../protocol/bus_events.ts";
import { CLOSE } from "../protocol/server_frames.ts";
import type { RateOption, ResolvedOptions } from "./options.ts";

/** What the hub needs. */
export interface HubDeps {
  db: Database;
  messaging: Messaging;
  options: ResolvedOptions;
  /** Where the per-user send limit is kept (shared by every instance). */
  limits: RateLimitStore;
}

/** Counters for tests and metrics. */
export interface HubStats {
  sockets: number;
  users: number;
  streams: number;
}

const RECENT_SEQS = 10_000;

/** See the module documentation. */
export class Hub implements ConnectionHost {
  readonly messaging: Messaging;
  readonly options: ResolvedOptions;
  readonly limits: { send: SharedLimiter; typing: RateLimiter; frames: RateLimiter };
  stopping = false;
  readonly #db: Database;
  #conns = new Set<Connection>();
  #byUser = new Map<string, Set<Connection>>();
  #bySession = new Map<string, Set<Connection>>();
  #byAddress = new Map<string, Set<Connection>>();
  #addressOf = new Map<Connection, string>();
  #byConversation = new Map<string, Set<Connection>>();
  #streams = new Map<string, ConversationStream>();
  /** Last hinted seq per conversation, least recently hinted first. */
  #recentSeq = new Map<string, number>();
  #reads = new Semaphore(8);
  #revalidating: Promise<void> | undefined;
  #sweeping: Promise<void> | undefined;
  #sweepFailing = false;
  #lastRevalidation = 0;

  constructor(deps: HubDeps) {
    this.#db = deps.db;
    this.messaging = deps.messaging;
    this.options = deps.options;
    const limiter = (rate: RateOption) =>
      new RateLimiter({ capacity: rate.capacity, refillPerSecond: rate.perSecond });
    const send = deps.options.sendRate;
    this.limits = {
      // Per account, across instances; typing and frames protect one socket and stay in memory.
      send: new SharedLimiter(deps.limits, {
        name: "send",
        capacity: send.capacity,
        refillPerSecond: send.perSecond,
      }),
      typing: limiter(deps.options.typingRate),
      frames: limiter(deps.options.frameRate),
    };
  }

  stats(): HubStats {
    return { sockets: this.#conns.size, users: this.#byUser.size, streams: this.#streams.size };
  }

  /** Live sockets of `userId` on this instance. */
  socketsOf(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  /** Live sockets from client `address` on this instance. */
  socketsFrom(address: string): number {
    return this.#byAddress.get(address)?.size ?? 0;
  }

  /**
   * Takes over an upgraded socket: registers it, then sends `hello` once it is open. The socket
   * closes by itself (4401) when its session expires at `expiresAt`, not at the next re-check.
   */
  accept(
    socket: WebSocket,
    user: { id: string; name: string },
    sessionId: string,
    expiresAt: Date,
    address?: string,
  ): Connection {
    const conn = new Connection(this, socket, user, sessionId);
    this.#closeAtExpiry(conn, expiresAt.getTime());
    this.#conns.add(conn);
    if (address !== undefined) {
      addTo(this.#byAddress, address, conn);
      this.#addressOf.set(conn, address);
    }
    addTo(this.#byUser, user.id, conn);
    addTo(this.#bySession, sessionId, conn);
    const opened = new Promise<void>((resolve) => {
      if (socket.readyState === WebSocket.OPEN) resolve();
      else socket.addEventListener("open", () => resolve(), { once: true });
    });
    Promise.all([this.messaging.conversationStates(user.id), opened]).then(
      ([states]) => conn.begin(states),
      (error) => {
        console.error("realtime: reading the hello state failed:", error);
        conn.close(CLOSE.tryAgainLater, "could not load your conversations: reconnect in a moment");
      },
    );
    return conn;
  }

  attach(conn: Connection, conversationId: string, sentSeq: number): void {
    conn.watch(conversationId, sentSeq);
    addTo(this.#byConversation, conversationId, conn);
    const stream = this.#streams.get(conversationId);
    if (stream === undefined) {
      const created = new ConversationStream(conversationId, sentSeq, {
        fetchAfter: (id, after, limit) => this.fetchAfter(id, after, limit),
        watchers: (id) => this.#byConversation.get(id) ?? [],
      });
      this.#streams.set(conversationId, created);
      const recent = this.#recentSeq.get(conversationId);
      if (recent !== undefined && recent > sentSeq) created.hint(recent);
    } else if (stream.delivered > sentSeq) {
      conn.needsRepair(conversationId, stream.delivered);
    }
  }

  unregister(conn: Connection): void {
    if (!this.#conns.delete(conn)) return;
    removeFrom(this.#byUser, conn.user.id, conn);
    removeFrom(this.#bySession, conn.sessionId, conn);
    const address = this.#addressOf.get(conn);
    if (address !== undefined) removeFrom(this.#byAddress, address, conn);
    this.#addressOf.delete(conn);
    for (const conversationId of conn.conversations) {
      if (removeFrom(this.#byConversation, conversationId, conn)) {
        this.#streams.get(conversationId)?.close();
        this.#streams.delete(conversationId);
      }
    }
    for (const conversationId of conn.typingIn) conn.stoppedTyping(conversationId);
    conn.typingIn.clear();
  }

  /**
   * A send of `conn` was stored (the domain already published it, so the stream may have it):
   * its ack takes the message's place in the socket's order.
   */
  acknowledge(conn: Connection, message: Message, clientId: string): void {
    const stream = this.#streams.get(message.conversationId);
    if (stream && conn.watches(message.conversationId) && stream.expectAck(message.seq, conn, clientId)) {
      return;
    }
    conn.deliver(message.conversationId, message, clientId);
  }

  fetchAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.#reads.run(() => listMessagesAfter(this.#db, conversationId, afterSeq, limit));
  }

  /** What a bus event does to this instance's sockets. */
  onEvent(event: BusEvent): void {
    switch (event.kind) {
      case "message": {
        const previous = this.#recentSeq.get(event.conversationId) ?? 0;
        this.#recentSeq.delete(event.conversationId);
        this.#recentSeq.set(event.conversationId, Math.max(previous, event.seq));
        if (this.#recentSeq.size > RECENT_SEQS) this.#recentSeq.delete(this.#recentSeq.keys().next().value!);
        this.#streams.get(event.conversationId)?.hint(event.seq, event.messages);
        return;
      }
      case "typing":
        for (const conn of this.#byConversation.get(event.conversationId) ?? []) {
          if (conn.user.id === event.userId) continue;
          conn.send({
            type: "typing",
            conversationId: event.conversationId,
            userId: event.userId,
            name: event.name,
            typing: event.typing,
          });
        }
        return;
      case "read":
        for (const conn of this.#byConversation.get(event.conversationId) ?? []) {
          conn.send({
            type: "read",
            conversationId: event.conversationId,
            userId: event.userId,
            seq: event.seq,
          });
        }
        return;
      case "conversation":
        void this.#pushConversation(event.conversationId).catch((error) =>
          console.error(`realtime: pushing conversation ${event.conversationId} failed:`, error)
        );
        return;
      case "session_ended":
        for (const conn of [...this.#bySession.get(event.sessionId) ?? []]) {
          conn.close(CLOSE.sessionEnded, "signed out: sign in again to reconnect");
        }
        return;
      case "membership_changed":
        for (const conn of [...this.#byUser.get(event.userId) ?? []]) {
          conn.close(CLOSE.sessionEnded, "your access changed: check GET /api/me, then reconnect");
        }
        return;
      case "resync":
        this.syncAll();
        if (Date.now() - this.#lastRevalidation > 10_000) void this.revalidateAll();
        return;
    }
  }

  /** Asks every stream to read what the database has after its last delivered seq. */
  syncAll(): void {
    for (const stream of this.#streams.values()) stream.requestSync();
  }

  /**
   * Closes (4401) the sockets of every session that is no longer active, checked in one query for
   * all of this instance's sessions. Runs every `sessionSweepMs`; overlapping runs are skipped.
   */
  /** Pings the sockets due for their liveness ping; closes (1013) those whose pong is late. */
  checkLiveness(now = Date.now()): void {
    for (const conns of this.#bySession.values()) for (const conn of conns) conn.checkLiveness(now);
  }

  sweepSessions(): Promise<void> {
    if (this.#sweeping !== undefined || this.#bySession.size === 0 || this.stopping) return Promise.resolve();
    this.#sweeping = (async () => {
      try {
        for (const sessionId of await listEndedSessions(this.#db, [...this.#bySession.keys()])) {
          for (const conn of [...this.#bySession.get(sessionId) ?? []]) {
            conn.close(CLOSE.sessionEnded, "your session has ended: sign in again");
          }
        }
      } catch (error) {
        // An outage: the next sweep (or the re-check) tries again; one line, not a trace per second.
        if (!this.#sweepFailing) console.warn(`realtime: checking sessions failed: ${error}`);
        this.#sweepFailing = true;
        return;
      }
      this.#sweepFailing = false;
    })().finally(() => this.#sweeping = undefined);
    return this.#sweeping;
  }

  /** Re-reads every local user's sessions and conversations (see the module documentation). */
  revalidateAll(): Promise<void> {
    this.#revalidating ??= (async () => {
      this.#lastRevalidation = Date.now();
      for (const userId of [...this.#byUser.keys()]) {
        if (this.stopping) return;
        try {
          await this.#revalidateUser(userId);
        } catch (error) {
          console.warn(`realtime: re-checking the sockets of user ${userId} failed:`, error);
        }
      }
    })().finally(() => this.#revalidating = undefined);
    return this.#revalidating;
  }

  /** Closes every socket with `code`; resolves when their close handshakes end, or after `waitMs`. */
  async closeAll(code: number, reason: string, waitMs = 2000): Promise<void> {
    const conns = [...this.#conns];
    for (const conn of conns) conn.close(code, reason);
    await settlesWithin(Promise.all(conns.map((conn) => conn.gone)), waitMs);
  }

  /** Resolves when accepted frames are handled and every stream has delivered what it knows. */
  async drain(deadline: number): Promise<void> {
    await settlesWithin(
      Promise.all([...this.#conns].map((conn) => conn.drained().catch(() => {}))),
      deadline - Date.now(),
    );
    while (Date.now() < deadline && [...this.#streams.values()].some((s) => s.busy)) await sleep(10);
  }

  /** Stops every stream (after `closeAll`). */
  close(): void {
    for (const stream of this.#streams.values()) stream.close();
    this.#streams.clear();
  }

  /**
   * Arms `conn`'s expiry timer. When it fires, the session row decides: a session renewed since
   * (the person kept using Préau over HTTP) re-arms the timer at its new expiry; an expired or
   * revoked one closes the socket.
   */
  #closeAtExpiry(conn: Connection, at: number): void {
    // setTimeout holds at most ~24.8 days; a later expiry is re-checked then.
    const delay = Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1);
    conn.setExpiryTimer(setTimeout(() => void this.#expiryDue(conn), delay));
  }

  async #expiryDue(conn: Connection): Promise<void> {
    if (conn.closed) return;
    let session;
    try {
      session = await getActiveSession(this.#db, conn.sessionId);
    } catch (error) {
      console.warn(`realtime: checking an expiring session failed (retrying in 5 s): ${error}`);
      return this.#closeAtExpiry(conn, Date.now() + 5000);
    }
    if (conn.closed) return;
    // A second of margin: the database clock and ours may differ slightly.
    if (
      session !== null && session.userId === conn.user.id && session.expiresAt.getTime() > Date.now() + 1000
    ) {
      return this.#closeAtExpiry(conn, session.expiresAt.getTime());
    }
    conn.close(CLOSE.sessionEnded, "your session expired: sign in again");
  }

  async #pushConversation(conversationId: string): Promise<void> {
    if (this.#byUser.size === 0) return;
    for (const userId of await listParticipantIds(this.#db, conversationId)) {
      if (!this.#byUser.has(userId)) continue;
      const summary = await getConversationSummary(this.#db, conversationId, userId);
      if (summary === null) continue;
      for (const conn of [...this.#byUser.get(userId) ?? []]) conn.addConversation(summary);
    }
  }

  async #revalidateUser(userId: string): Promise<void> {
    const conns = [...this.#byUser.get(userId) ?? []];
    for (const sessionId of new Set(conns.map((conn) => conn.sessionId))) {
      const session = await getActiveSession(this.#db, sessionId);
      if (session !== null && session.userId === userId) continue;
      for (const conn of [...this.#bySession.get(sessionId) ?? []]) {
        conn.close(CLOSE.sessionEnded, "your session has ended: sign in again");
      }
    }
    const live = [...this.#byUser.get(userId) ?? []].filter((conn) => conn.ready);
    if (live.length === 0) return;
    const states = await this.messaging.conversationStates(userId);
    const visible = new Set(states.map((state) => state.id));
    for (const conn of live) {
      if ([...conn.conversations].some((id) => !visible.has(id))) {
        conn.close(CLOSE.sessionEnded, "your access changed: check GET /api/me, then reconnect");
      }
    }
    for (const state of states) {
      this.#streams.get(state.id)?.hint(state.lastSeq);
      const missing = live.filter((conn) => !conn.closed && !conn.watches(state.id));
      if (missing.length === 0) continue;
      const summary = await getConversationSummary(this.#db, state.id, userId);
      if (summary !== null) { for (const conn of missing) conn.addConversation(summary); }
    }
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/** Removes `value`; true when that emptied the key's set (the key is then gone). */
function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = map.get(key);
  if (!set?.delete(value)) return false;
  if (set.size > 0) return false;
  map.delete(key);
  return true;
}
