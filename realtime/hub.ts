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
 * Fan-out costs O(1) per socket: a message's frame text is serialised once per instance and
 * written to every socket (`frames.ts` `messageFrameText`), typing and read frames likewise, and no
 * socket reads the database on that path. Sockets whose reader lags keep their frames in a bounded
 * outbox (`socket_outbox.ts`); one timer of the hub hands them over as their buffers drain.
 *
 * A socket opened with `?resume=1` names the last seq it holds per conversation in its first
 * frame; its `hello` then carries what it missed where that is little (one query for every
 * conversation of the socket, `db/message_gaps.ts`), and says `fetch` where it is more.
 *
 * Nothing here is trusted to stay right forever: every `revalidateIntervalMs`, and after any bus
 * fault, each user's sessions and conversations are read again — ended sessions and lost
 * conversations close their sockets (4401), missed conversations are pushed, missed seqs fetched.
 */
import type { Database } from "../db/types.ts";
import type { Message } from "../db/models.ts";
import { listParticipantIds } from "../db/conversations.ts";
import { listMessagesAfter } from "../db/messages.ts";
import { listMessagesInRanges, type SeqRange } from "../db/message_gaps.ts";
import { getActiveSession, listEndedSessions } from "../db/sessions.ts";
import { listMembersAmong } from "../db/establishment_settings.ts";
import type { Messaging } from "../domain/messaging.ts";
import { RateLimiter } from "../domain/rate_limit.ts";
import { Semaphore } from "./async.ts";
import { settlesWithin, sleep } from "../util/timeout.ts";
import { Connection, type ConnectionHost } from "./connection.ts";
import { ConversationStream } from "./conversation_stream.ts";
import type { BusEvent } from "../protocol/bus_events.ts";
import { CLOSE, type HelloConversation } from "../protocol/server_frames.ts";
import type { ResumeFrame } from "../protocol/client_frames.ts";
import { serializeFrame, toWireMessage } from "./frames.ts";
import type { RateOption, ResolvedOptions } from "./options.ts";

/** What the hub needs. */
export interface HubDeps {
  db: Database;
  messaging: Messaging;
  options: ResolvedOptions;
}

/** Counters for tests and metrics. */
export interface HubStats {
  sockets: number;
  users: number;
  streams: number;
  /** Sockets whose frames wait in an outbox (their reader lags). */
  lagging: number;
  /** How many times a lagging socket's waiting frames were dropped for a `resync` frame. */
  resyncs: number;
}

const RECENT_SEQS = 10_000;
/** How often lagging sockets' outboxes are handed over (while any lags). */
const OUTBOX_FLUSH_MS = 20;

/** See the module documentation. */
export class Hub implements ConnectionHost {
  readonly messaging: Messaging;
  readonly options: ResolvedOptions;
  readonly limits: { typing: RateLimiter; frames: RateLimiter };
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
  /** Sockets with frames in their outbox, handed over by `#flushTimer` as their buffers drain. */
  #backlogged = new Set<Connection>();
  #resyncs = 0;
  #flushTimer: ReturnType<typeof setInterval> | undefined;
  /** When each socket's session expires (epoch ms); the session sweep closes those past it. */
  #expiresAt = new Map<Connection, number>();

  constructor(deps: HubDeps) {
    this.#db = deps.db;
    this.messaging = deps.messaging;
    this.options = deps.options;
    const limiter = (rate: RateOption) =>
      new RateLimiter({ capacity: rate.capacity, refillPerSecond: rate.perSecond });
    // Typing and frames protect one socket and stay in memory; the send limit is per person,
    // across instances, applied by the domain (`sendMessage`).
    this.limits = { typing: limiter(deps.options.typingRate), frames: limiter(deps.options.frameRate) };
  }

  stats(): HubStats {
    return {
      sockets: this.#conns.size,
      users: this.#byUser.size,
      streams: this.#streams.size,
      lagging: this.#backlogged.size,
      resyncs: this.#resyncs,
    };
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
   * Takes over an upgraded socket: registers it, then sends `hello` once it is open (after its
   * `resume` frame when `resume` is set). The socket closes (4401) when its session expires at
   * `expiresAt`: the session sweep checks it (and the session row, which renewals move) every
   * `sessionSweepMs`, so no socket needs a timer of its own.
   */
  accept(
    socket: WebSocket,
    user: { id: string; name: string },
    sessionId: string,
    expiresAt: Date,
    address?: string,
    resume = false,
  ): Connection {
    const conn = new Connection(this, socket, user, sessionId);
    this.#expiresAt.set(conn, expiresAt.getTime());
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
    const resumed = resume ? conn.resumeFrame(this.options.resumeWaitMs) : undefined;
    Promise.all([this.messaging.conversationStates(user.id), opened, resumed]).then(
      async ([states, , frame]) =>
        conn.begin(frame ? await this.#withMissed(states, frame, user.id) : states),
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
    this.#expiresAt.delete(conn);
    this.#backlogged.delete(conn);
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
    conn.stopTypingEverywhere();
  }

  resynced(): void {
    this.#resyncs++;
  }

  /** Hands `conn`'s outbox over as its buffer drains, on one timer for every lagging socket. */
  backlogged(conn: Connection): void {
    this.#backlogged.add(conn);
    this.#flushTimer ??= setInterval(() => {
      for (const lagging of this.#backlogged) if (lagging.flushOutbox()) this.#backlogged.delete(lagging);
      if (this.#backlogged.size === 0) {
        clearInterval(this.#flushTimer);
        this.#flushTimer = undefined;
      }
    }, OUTBOX_FLUSH_MS);
    Deno.unrefTimer(this.#flushTimer);
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
      case "typing": {
        const conns = this.#byConversation.get(event.conversationId);
        if (conns === undefined) return;
        const text = serializeFrame({
          type: "typing",
          conversationId: event.conversationId,
          userId: event.userId,
          name: event.name,
          typing: event.typing,
        });
        for (const conn of conns) if (conn.user.id !== event.userId) conn.sendText(text, true);
        return;
      }
      case "read": {
        const conns = this.#byConversation.get(event.conversationId);
        if (conns === undefined) return;
        const text = serializeFrame({
          type: "read",
          conversationId: event.conversationId,
          userId: event.userId,
          seq: event.seq,
        });
        for (const conn of conns) conn.sendText(text, true);
        return;
      }
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
      case "settings":
        void this.#pushSettings(event.establishmentId, event.mode).catch((error) =>
          console.error(`realtime: pushing settings of ${event.establishmentId} failed:`, error)
        );
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
    const now = Date.now();
    for (const [conn, at] of this.#expiresAt) if (at <= now) void this.#expiryDue(conn);
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
    clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#backlogged.clear();
    for (const stream of this.#streams.values()) stream.close();
    this.#streams.clear();
  }

  /**
   * `conn`'s session was due to expire: the session row decides. A session renewed since (the
   * person kept using Préau over HTTP) moves the socket's expiry; an expired or revoked one closes
   * the socket.
   */
  async #expiryDue(conn: Connection): Promise<void> {
    if (conn.closed) return;
    this.#expiresAt.set(conn, Infinity); // one check at a time
    let session;
    try {
      session = await getActiveSession(this.#db, conn.sessionId);
    } catch (error) {
      console.warn(`realtime: checking an expiring session failed (retrying in 5 s): ${error}`);
      if (!conn.closed) this.#expiresAt.set(conn, Date.now() + 5000);
      return;
    }
    if (conn.closed) return;
    // A second of margin: the database clock and ours may differ slightly.
    if (
      session !== null && session.userId === conn.user.id && session.expiresAt.getTime() > Date.now() + 1000
    ) {
      this.#expiresAt.set(conn, session.expiresAt.getTime());
      return;
    }
    conn.close(CLOSE.sessionEnded, "your session expired: sign in again");
  }

  /**
   * `states` with, for each conversation `resume` names and that has moved on since, the messages
   * the client missed when they are few (read in one query for all of them), `fetch: true` when
   * they are more than `helloMissedPerConversation` or would pass `helloMissedTotal` (or a quarter of
   * `maxBufferedBytes` in text).
   */
  async #withMissed(
    states: readonly HelloConversation[],
    resume: ResumeFrame,
    viewerId: string,
  ): Promise<HelloConversation[]> {
    const held = new Map(resume.conversations.map((c) => [c.id.toLowerCase(), c.seq]));
    const { helloMissedPerConversation: perConversation, helloMissedTotal: total } = this.options;
    const ranges: SeqRange[] = [];
    const fetch = new Set<string>();
    let budget = total;
    for (const state of states) {
      const seq = held.get(state.id);
      if (seq === undefined || seq >= state.lastSeq) continue;
      const missed = state.lastSeq - seq;
      if (missed > perConversation || missed > budget) fetch.add(state.id);
      else {
        budget -= missed;
        ranges.push({ conversationId: state.id, after: seq, upTo: state.lastSeq });
      }
    }
    const messages = new Map<string, Message[]>();
    for (const message of await listMessagesInRanges(this.#db, ranges)) {
      const list = messages.get(message.conversationId);
      if (list) list.push(message);
      else messages.set(message.conversationId, [message]);
    }
    // Long bodies: past a quarter of the send buffer's bound in text, the rest say `fetch`.
    let chars = this.options.maxBufferedBytes / 4;
    return states.map((state) => {
      if (fetch.has(state.id)) return { ...state, fetch: true };
      const missed = messages.get(state.id);
      if (missed === undefined) return state;
      chars -= missed.reduce((n, m) => n + m.body.length + 200, 0);
      if (chars < 0) return { ...state, fetch: true };
      return { ...state, messages: missed.map((m) => toWireMessage(m, viewerId)) };
    });
  }

  async #pushConversation(conversationId: string): Promise<void> {
    if (this.#byUser.size === 0) return;
    for (const userId of await listParticipantIds(this.#db, conversationId)) {
      if (!this.#byUser.has(userId)) continue;
      const summary = await this.messaging.conversationSummary(userId, conversationId);
      if (summary === null) continue;
      for (const conn of [...this.#byUser.get(userId) ?? []]) conn.addConversation(summary);
    }
  }

  /** Sends the new messaging mode to the sockets of the establishment's members (one query). */
  async #pushSettings(establishmentId: string, mode: "open" | "staff_start" | "families_silenced") {
    if (this.#byUser.size === 0) return;
    for (const userId of await listMembersAmong(this.#db, establishmentId, [...this.#byUser.keys()])) {
      for (const conn of this.#byUser.get(userId) ?? []) {
        conn.send({ type: "settings", establishmentId, mode });
      }
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
      const summary = await this.messaging.conversationSummary(userId, state.id);
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
