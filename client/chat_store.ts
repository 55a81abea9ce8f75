/**
 * The messagerie's state in the browser, shared by every island of the page: the one conversation
 * list of every establishment of the inbox (`boot.establishments`), each opened conversation's messages, the outbox of messages
 * being sent, who is typing, and the selected conversation. Server frames go in through
 * {@linkcode ChatStore.handleFrame}; frames go out through a {@linkcode Transport} (the socket).
 *
 * The list is paged: the server renders the first screenful, `loadMore` fetches the next page
 * (keyset cursor), and a conversation not yet loaded comes in when it gets a message (a refresh of
 * the first page, where it now is). Unread counters cover every conversation, loaded or not: they
 * come from `hello` (every conversation's seqs) and are kept up to date by the frames.
 *
 * Guarantees kept here: messages are de-duplicated by id and ordered by seq; a hole in the seqs
 * (a skipped `message` frame, a reconnect) is fetched with `?after=`; a message is sent with one
 * `clientId` however often it is retried, so the server stores it once; messages written while
 * offline wait in the outbox and leave after the next `hello`. A send is repeated by itself, with
 * backoff, when its ack does not come or the server answers a retryable error (`unavailable`,
 * `overloaded`, `rate_limited`, a few times `internal`); only what the server refused for good is
 * shown as failed, with a retry button.
 */
import { batch, computed, type Signal, signal } from "@preact/signals";
import * as defaultApi from "./api.ts";
import { backoffDelay } from "../util/backoff.ts";
import { firstGap, lastSeqOf, mergeMessages } from "./messages.ts";
import type {
  ChatBoot,
  ClientFrame,
  ConversationState,
  MessagingMode,
  ResumeFrame,
  ServerFrame,
  WireConversation,
  WireMessage,
} from "./types.ts";
import type { HelloConversation, ResyncFrame } from "../protocol/server_frames.ts";

/** Where frames go; `send` returns false when nothing could be sent. */
export interface Transport {
  send(frame: ClientFrame): boolean;
  isOpen(): boolean;
}

/**
 * A message of ours not yet acknowledged: `queued` waits for a connection (or for its automatic
 * resend), `pending` for its ack, `failed` was refused by the server (shown with a retry button).
 */
export interface Outgoing {
  clientId: string;
  conversationId: string;
  body: string;
  createdAt: string;
  state: "queued" | "pending" | "failed";
}

/** One opened conversation. */
export interface Thread {
  messages: Signal<WireMessage[]>;
  /** Whether messages before the first held one exist (seqs start at 1). */
  hasOlder: Signal<boolean>;
  loading: Signal<boolean>;
  failed: Signal<boolean>;
  loaded: boolean;
}

/** How far another member has read a conversation, and since when (read receipts). */
export interface ReadMark {
  seq: number;
  /** ISO time, when known. */
  at: string | null;
}

export interface Typist {
  userId: string;
  name: string;
  until: number;
}

/** The REST calls the store makes (tests may replace them). */
export type ChatApi = Pick<typeof defaultApi, "fetchMessages" | "fetchConversationPage" | "postRead">;

/** Conversations per page of the list: more than a screenful (about 11 at 800 px); the server renders the first. */
export const LIST_PAGE = 20;
/** Most conversations a `resume` frame names (the protocol's bound). */
const MAX_RESUME = 1000;

/** How long a sent message may wait for its ack before it is sent again (same clientId). */
export const ACK_TIMEOUT_MS = 10_000;
/**
 * Error codes after which the same send can succeed later: it is resent by itself, never shown as
 * failed. Any other code is a refusal (`forbidden`, `too_large`, `bad_request`, …).
 */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "unavailable",
  "overloaded",
  "rate_limited",
  "internal",
]);
/** `internal` may be a bug that fails every time: after this many automatic resends it shows as failed. */
export const MAX_INTERNAL_RETRIES = 3;
/** Backoff of automatic resends: from about 1 s, doubling, at most 15 s (half of it random). */
export const RESEND_DELAY = { baseMs: 1_000, maxMs: 15_000 } as const;
/** Receivers forget a typing signal after this long without a repeat (contract). */
export const TYPING_TTL_MS = 6_000;
/** Senders repeat `typing: true` at most this often (contract). */
export const TYPING_REPEAT_MS = 3_000;
/**
 * Least time between two `typing` frames (true or false) of one conversation: the server accepts
 * one a second per person and conversation, and its refusals count toward the flood limit.
 */
export const TYPING_GAP_MS = 1_100;

/** What we last told the server about our typing in one conversation, and what we want to tell. */
interface TypingSent {
  typing: boolean;
  at: number;
  want: boolean;
  /** A frame waiting for the gap to pass. */
  later?: ReturnType<typeof setTimeout>;
}
const PAGE = 50;

export class ChatStore {
  readonly conversations: Signal<WireConversation[]>;
  readonly selectedId: Signal<string | null>;
  readonly outbox = signal<Outgoing[]>([]);
  /** Conversation id → who is typing there (not us). */
  readonly typing = signal<Record<string, Typist[]>>({});
  /** Conversation id → member id → how far they have read (not us). */
  readonly readMarks = signal<Record<string, Record<string, ReadMark>>>({});
  /** The last message received from someone else, for the live region. */
  readonly lastIncoming = signal<WireMessage | null>(null);
  /** The next page of the list (null once everything is loaded), and whether it is being fetched. */
  readonly next: Signal<string | null>;
  readonly loadingMore = signal(false);
  /** Every conversation's seqs, loaded in the list or not (unread counters). */
  readonly counters: Signal<Map<string, ConversationState>>;
  /** Unread messages over every conversation of the inbox (document title, badges). */
  readonly totalUnread = computed(() => this.unreadIn(null));

  /** Each establishment's messaging mode, from the boot then `settings` frames. */
  readonly modes: Signal<Record<string, MessagingMode>>;
  /** Why the server refused our last send in a conversation (its `forbidden` message), by conversation. */
  readonly refusals = signal<Record<string, string>>({});

  private readonly threads = new Map<string, Thread>();
  private readonly ackTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Automatic resends waiting for their backoff, and how many each message has had. */
  private readonly resendTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly resends = new Map<string, number>();
  private readonly syncing = new Map<string, Promise<void>>();
  /** Failed catch-ups waiting for their backoff, and how many tries each has had. */
  private readonly catchUpRetries = new Map<
    string,
    { attempt: number; timer: ReturnType<typeof setTimeout> }
  >();
  private readonly typingSent = new Map<string, TypingSent>();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private listRefresh: Promise<void> | undefined;
  /** Conversations `hello` placed in establishments outside this inbox (the other portal's). */
  private readonly elsewhere = new Set<string>();
  private readonly inbox: Set<string>;
  /** Until `hello`: unread messages of the conversations not loaded, per establishment (boot). */
  private readonly unreadBeyond = new Map<string, number>();
  private transport: Transport | undefined;

  constructor(readonly boot: ChatBoot, private readonly api: ChatApi = defaultApi) {
    this.inbox = new Set(boot.establishments.map((e) => e.id));
    this.inbox.add(boot.establishmentId);
    this.conversations = signal(sortConversations(boot.conversations));
    this.modes = signal({ ...boot.modes });
    for (const conversation of boot.conversations) this.noteReadMarks(conversation);
    this.next = signal(boot.next ?? null);
    this.counters = signal(new Map(boot.conversations.map((c) => [c.id, stateOf(c)])));
    for (const [id, total] of Object.entries(boot.unreadTotals ?? {})) {
      const listed = boot.conversations.reduce((n, c) => n + (c.establishmentId === id ? c.unread : 0), 0);
      this.unreadBeyond.set(id, Math.max(0, total - listed));
    }
    this.selectedId = signal(boot.selectedId);
    if (boot.selectedId !== null) {
      const thread = this.thread(boot.selectedId);
      thread.messages.value = mergeMessages([], boot.messages);
      thread.hasOlder.value = boot.hasOlder;
      thread.loaded = true;
    }
  }

  get userId(): string {
    return this.boot.user.id;
  }

  /** Connects the store to the socket (once, in the browser). */
  attach(transport: Transport): void {
    this.transport = transport;
  }

  /** The thread of a conversation (created empty, not loaded, on first use). */
  thread(conversationId: string): Thread {
    let thread = this.threads.get(conversationId);
    if (!thread) {
      thread = {
        messages: signal([]),
        hasOlder: signal(false),
        loading: signal(false),
        failed: signal(false),
        loaded: false,
      };
      this.threads.set(conversationId, thread);
    }
    return thread;
  }

  conversation(id: string | null): WireConversation | undefined {
    return id === null ? undefined : this.conversations.value.find((c) => c.id === id);
  }

  /** Unread messages in one establishment of the inbox (null: all of them), loaded or not. */
  unreadIn(establishmentId: string | null): number {
    let n = 0;
    // (`unreadBeyond` changes only with `counters`, which this reads: computed totals follow both.)
    for (const [id, beyond] of this.unreadBeyond) {
      if (establishmentId === null || id === establishmentId) n += beyond;
    }
    for (const c of this.counters.value.values()) {
      if (!this.inbox.has(c.establishmentId)) continue;
      if (establishmentId === null || c.establishmentId === establishmentId) n += c.unread;
    }
    return n;
  }

  /**
   * The `resume` frame of a new socket: the last seq held of each conversation shown (a loaded
   * thread's own last message first), so that `hello` brings what was missed meanwhile.
   */
  resumeFrame(): ResumeFrame {
    const seqs = new Map<string, number>();
    for (const [id, thread] of this.threads) {
      if (thread.loaded) seqs.set(id, lastSeqOf(thread.messages.peek()));
    }
    for (const c of this.conversations.peek()) if (!seqs.has(c.id)) seqs.set(c.id, c.lastSeq);
    return {
      type: "resume",
      conversations: [...seqs].slice(0, MAX_RESUME).map(([id, seq]) => ({ id, seq })),
    };
  }

  // ---- server frames -------------------------------------------------------------------------

  handleFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        return this.onHello(frame.conversations);
      case "resync":
        return this.onResync(frame);
      case "message":
        return this.onMessage(frame.message);
      case "ack":
        return this.onAck(frame.clientId, frame.message);
      case "error":
        if (frame.clientId !== undefined && frame.code === "forbidden") {
          this.refused(frame.clientId, frame.message);
        }
        if (frame.clientId !== undefined) this.onSendError(frame.clientId, frame.code);
        else console.warn(`chat: the server refused a frame (${frame.code}): ${frame.message}`);
        return;
      case "typing":
        return this.onTyping(frame.conversationId, frame.userId, frame.name, frame.typing);
      case "read":
        if (frame.userId === this.userId) this.applyRead(frame.conversationId, frame.seq);
        else this.moveReadMark(frame.conversationId, frame.userId, frame.seq, new Date().toISOString());
        return;
      case "conversation":
        return this.upsertConversation(frame.conversation);
      case "settings":
        return this.onSettings(frame.establishmentId, frame.mode);
    }
  }

  /** The establishment's mode changed: composers follow it, and earlier refusals there are stale. */
  private onSettings(establishmentId: string, mode: MessagingMode): void {
    batch(() => {
      this.modes.value = { ...this.modes.peek(), [establishmentId]: mode };
      const stale = this.conversations.peek().filter((c) => c.establishmentId === establishmentId).map((c) =>
        c.id
      );
      const refusals = { ...this.refusals.peek() };
      for (const id of stale) delete refusals[id];
      this.refusals.value = refusals;
    });
  }

  /** Remembers why a send was refused, for the composer. */
  private refused(clientId: string, message: string): void {
    const item = this.outbox.peek().find((o) => o.clientId === clientId);
    if (item) this.refusals.value = { ...this.refusals.peek(), [item.conversationId]: message };
  }

  /** The socket closed: typing signals are stale, in-flight messages wait to be resent. */
  handleDisconnect(): void {
    clearTimeout(this.typingTimer);
    this.typing.value = {};
    for (const sent of this.typingSent.values()) clearTimeout(sent.later);
    this.typingSent.clear();
    for (const timer of this.ackTimers.values()) clearTimeout(timer);
    this.ackTimers.clear();
    for (const retry of this.catchUpRetries.values()) clearTimeout(retry.timer);
    this.catchUpRetries.clear();
    this.outbox.value = this.outbox.value.map((o) => o.state === "pending" ? { ...o, state: "queued" } : o);
  }

  /**
   * After every (re)connect. Missed messages `hello` carries are taken as if received; a loaded
   * thread still behind is fetched; list entries behind, or a conversation `hello` places among
   * the loaded ones (it lists most recent first) that the list does not have, refresh the first page.
   */
  private onHello(states: HelloConversation[]) {
    let refresh = false;
    const here = states.filter((s) => this.inbox.has(s.establishmentId));
    for (const s of states) if (!this.inbox.has(s.establishmentId)) this.elsewhere.add(s.id);
    const loaded = new Set(this.conversations.peek().map((c) => c.id));
    let lastLoaded = -1;
    here.forEach((state, index) => {
      if (loaded.has(state.id)) lastLoaded = index;
    });
    batch(() => {
      this.unreadBeyond.clear();
      this.counters.value = new Map(here.map((s) => [s.id, stateOf(s)]));
      here.forEach((state, index) => {
        for (const message of state.messages ?? []) this.take(message);
        const known = this.conversation(state.id);
        if (!known) {
          if (index < lastLoaded || this.next.peek() === null) refresh = true;
        } else {
          if (state.lastSeq > known.lastSeq) refresh = true;
          this.patch(state.id, (c) => {
            const lastSeq = Math.max(c.lastSeq, state.lastSeq);
            const readSeq = Math.max(c.readSeq, state.readSeq);
            return { ...c, lastSeq, readSeq, unread: Math.max(0, lastSeq - readSeq) };
          });
        }
        const thread = this.threads.get(state.id);
        if (thread?.loaded && state.lastSeq > lastSeqOf(thread.messages.peek())) {
          void this.syncAfter(state.id, lastSeqOf(thread.messages.peek()));
        }
      });
    });
    if (refresh) void this.refreshList();
    // Failed ones too: the same clientId is stored at most once, and a stored one is just acked again.
    for (const item of this.outbox.peek()) if (item.state !== "pending") this.transmit(item.clientId);
  }

  /** The server dropped frames this socket read too slowly: fetch up to where it carries on. */
  private onResync(frame: ResyncFrame): void {
    for (const { id, lastSeq } of frame.conversations) {
      const thread = this.threads.get(id);
      if (thread?.loaded && lastSeq > lastSeqOf(thread.messages.peek())) {
        void this.syncAfter(id, lastSeqOf(thread.messages.peek()));
      }
    }
    // Counters, previews and read markers may have been among the dropped frames.
    void this.refreshList();
  }

  private onMessage(message: WireMessage): void {
    batch(() => {
      this.take(message);
      this.clearTypist(message.conversationId, message.senderId);
      if (message.senderId !== this.userId) this.lastIncoming.value = message;
    });
  }

  /** A message of someone's (a `message` frame, or one `hello` carries): thread, list, markers. */
  private take(message: WireMessage): void {
    // Sending advances the sender's read marker (contract).
    if (message.senderId !== this.userId) {
      this.moveReadMark(message.conversationId, message.senderId, message.seq, message.createdAt);
    }
    this.addToThread(message);
    this.summarise(message);
  }

  private onAck(clientId: string, message: WireMessage): void {
    batch(() => {
      this.settle([clientId]);
      this.addToThread(message);
      this.summarise(message);
    });
  }

  /**
   * Our messages now stored: their outbox copies (pending, queued or failed) are the delivered
   * ones, whatever confirmed them (the ack, another tab's `message` frame, a resync after reconnect).
   */
  private settle(clientIds: Iterable<string | undefined>): void {
    const done = new Set<string>();
    for (const id of clientIds) if (id !== undefined) done.add(id);
    if (done.size === 0 || !this.outbox.peek().some((o) => done.has(o.clientId))) return;
    for (const id of done) {
      this.clearTimers(id);
      this.resends.delete(id);
    }
    this.outbox.value = this.outbox.peek().filter((o) => !done.has(o.clientId));
  }

  /** Merges fetched or received messages into a thread and settles our copies among them. */
  private mergeInto(thread: Thread, messages: WireMessage[]): void {
    thread.messages.value = mergeMessages(thread.messages.peek(), messages);
    this.settle(messages.map((m) => m.senderId === this.userId ? m.clientId : undefined));
  }

  private onTyping(conversationId: string, userId: string, name: string, typing: boolean): void {
    if (userId === this.userId) return;
    const others = (this.typing.peek()[conversationId] ?? []).filter((t) => t.userId !== userId);
    if (typing) others.push({ userId, name, until: Date.now() + TYPING_TTL_MS });
    this.typing.value = { ...this.typing.peek(), [conversationId]: others };
    this.scheduleTypingExpiry();
  }

  /** Adds a message to its thread when that thread is held, and fetches any hole it reveals. */
  private addToThread(message: WireMessage): void {
    if (message.senderId === this.userId) this.settle([message.clientId]);
    const thread = this.threads.get(message.conversationId);
    if (!thread) return;
    this.mergeInto(thread, [message]);
    if (!thread.loaded) return;
    const gapAfter = firstGap(thread.messages.peek());
    if (gapAfter !== undefined) void this.syncAfter(message.conversationId, gapAfter);
  }

  /** Updates the list entry for a new message and moves it to the top. */
  private summarise(message: WireMessage): void {
    this.count(message.conversationId, (c) => ({
      ...c,
      lastSeq: Math.max(c.lastSeq, message.seq),
      readSeq: message.senderId === this.userId ? Math.max(c.readSeq, message.seq) : c.readSeq,
    }));
    const known = this.conversation(message.conversationId);
    if (!known) {
      if (this.elsewhere.has(message.conversationId)) return;
      // A conversation we have not listed: maybe new, maybe another establishment's; ask.
      void this.refreshList();
      return;
    }
    this.patch(message.conversationId, (c) => {
      const newest = message.seq >= c.lastSeq;
      const lastSeq = Math.max(c.lastSeq, message.seq);
      const readSeq = message.senderId === this.userId ? Math.max(c.readSeq, message.seq) : c.readSeq;
      return {
        ...c,
        lastMessage: newest ? message : c.lastMessage,
        updatedAt: newest ? message.createdAt : c.updatedAt,
        lastSeq,
        readSeq,
        unread: Math.max(0, lastSeq - readSeq),
      };
    });
  }

  /** Takes the members' read markers a conversation object carries. */
  private noteReadMarks(conversation: WireConversation): void {
    for (const p of conversation.participants) {
      if (p.id !== this.userId && p.readSeq !== undefined) {
        this.moveReadMark(conversation.id, p.id, p.readSeq, p.readAt ?? null);
      }
    }
  }

  /** Moves another member's read marker forward (never back). */
  private moveReadMark(conversationId: string, userId: string, seq: number, at: string | null): void {
    const marks = this.readMarks.peek()[conversationId] ?? {};
    const known = marks[userId];
    if (known && known.seq >= seq) return;
    this.readMarks.value = {
      ...this.readMarks.peek(),
      [conversationId]: { ...marks, [userId]: { seq, at } },
    };
  }

  private upsertConversation(conversation: WireConversation): void {
    this.upsertConversations([conversation]);
  }

  /**
   * Adds or replaces list entries (a pushed conversation, a fetched page), keeping what we know
   * that is newer than what the server answered (messages acked after its query ran).
   */
  private upsertConversations(list: readonly WireConversation[]): void {
    const incoming = new Map<string, WireConversation>();
    for (const c of list) if (this.inbox.has(c.establishmentId)) incoming.set(c.id, c);
    if (incoming.size === 0) return;
    const held = new Map(this.conversations.peek().map((c) => [c.id, c]));
    const counters = new Map(this.counters.peek());
    for (const [id, c] of incoming) {
      this.noteReadMarks(c);
      const mine = held.get(id);
      const merged = !mine || mine.lastSeq <= c.lastSeq
        ? c
        : { ...c, lastSeq: mine.lastSeq, lastMessage: mine.lastMessage, updatedAt: mine.updatedAt };
      held.set(id, merged);
      const count = counters.get(id);
      if (!count || count.lastSeq <= merged.lastSeq) counters.set(id, stateOf(merged));
    }
    this.conversations.value = sortConversations([...held.values()]);
    this.counters.value = counters;
  }

  private patch(id: string, change: (c: WireConversation) => WireConversation): void {
    this.conversations.value = sortConversations(
      this.conversations.peek().map((c) => {
        if (c.id !== id) return c;
        const changed = change(c);
        this.count(id, () => stateOf(changed));
        return changed;
      }),
    );
  }

  /** Moves the unread counter of a conversation (listed or not); unread is recomputed. */
  private count(id: string, change: (c: ConversationState) => Omit<ConversationState, "unread">): void {
    const known = this.counters.peek().get(id);
    if (known === undefined) return;
    const next = change(known);
    const unread = Math.max(0, next.lastSeq - next.readSeq);
    if (next.lastSeq === known.lastSeq && next.readSeq === known.readSeq && unread === known.unread) return;
    const counters = new Map(this.counters.peek());
    counters.set(id, { ...next, unread });
    this.counters.value = counters;
  }

  private applyRead(conversationId: string, seq: number): void {
    this.count(conversationId, (c) => ({ ...c, readSeq: Math.max(c.readSeq, Math.min(seq, c.lastSeq)) }));
    if (!this.conversation(conversationId)) return;
    this.patch(conversationId, (c) => {
      const readSeq = Math.max(c.readSeq, Math.min(seq, c.lastSeq));
      return { ...c, readSeq, unread: Math.max(0, c.lastSeq - readSeq) };
    });
  }

  // ---- REST fetches --------------------------------------------------------------------------

  /** Fetches every message after `after` (pages of 100), then checks for holes again. */
  private syncAfter(conversationId: string, after: number): Promise<void> {
    const running = this.syncing.get(conversationId);
    if (running) return running.then(() => this.recheck(conversationId));
    const job = (async () => {
      let from = after;
      for (let pages = 0; pages < 100; pages++) {
        const page = await this.api.fetchMessages(conversationId, { after: from, limit: 100 });
        const thread = this.thread(conversationId);
        this.mergeInto(thread, page);
        for (const message of page) this.summarise(message);
        if (page.length < 100) break;
        from = lastSeqOf(page);
      }
      this.catchUpRetries.delete(conversationId);
    })().catch((error) => {
      if (defaultApi.isSessionEnded(error)) return; // the login page is coming
      console.warn("chat: fetching missed messages failed; retrying", error);
      this.retryCatchUp(conversationId);
    }).finally(() => this.syncing.delete(conversationId));
    this.syncing.set(conversationId, job);
    return job;
  }

  /**
   * A catch-up that failed (an instance overloaded or restarting) is tried again after a backoff
   * while the socket stays up, rather than leaving the thread short until the next reconnect; a
   * reconnect drops the timer, since its `hello` starts the catch-up again.
   */
  private retryCatchUp(conversationId: string): void {
    const attempt = this.catchUpRetries.get(conversationId)?.attempt ?? 0;
    clearTimeout(this.catchUpRetries.get(conversationId)?.timer);
    const timer = setTimeout(() => {
      const held = this.thread(conversationId).messages.peek();
      void this.syncAfter(conversationId, firstGap(held) ?? lastSeqOf(held));
    }, backoffDelay(attempt, RESEND_DELAY));
    this.catchUpRetries.set(conversationId, { attempt: attempt + 1, timer });
  }

  private recheck(conversationId: string): Promise<void> {
    const gap = firstGap(this.thread(conversationId).messages.peek());
    return gap === undefined ? Promise.resolve() : this.syncAfter(conversationId, gap);
  }

  /** Loads the newest page of a conversation the first time it is shown. */
  async ensureLoaded(conversationId: string): Promise<void> {
    const thread = this.thread(conversationId);
    if (thread.loaded || thread.loading.peek()) return;
    thread.loading.value = true;
    thread.failed.value = false;
    try {
      const page = await this.api.fetchMessages(conversationId, { limit: PAGE });
      this.mergeInto(thread, page);
      thread.hasOlder.value = (thread.messages.peek()[0]?.seq ?? 1) > 1;
      thread.loaded = true;
      await this.recheck(conversationId);
    } catch (error) {
      if (defaultApi.isSessionEnded(error)) return; // the login page is coming
      thread.failed.value = true;
      console.warn("chat: loading the conversation failed", error);
    } finally {
      thread.loading.value = false;
    }
  }

  /** Loads the page before the first held message (infinite scroll upwards). */
  async loadOlder(conversationId: string): Promise<void> {
    const thread = this.thread(conversationId);
    const first = thread.messages.peek()[0];
    if (!thread.loaded || !thread.hasOlder.peek() || thread.loading.peek() || !first) return;
    thread.loading.value = true;
    try {
      const page = await this.api.fetchMessages(conversationId, { before: first.seq, limit: PAGE });
      this.mergeInto(thread, page);
      thread.hasOlder.value = (thread.messages.peek()[0]?.seq ?? 1) > 1;
    } catch (error) {
      console.warn("chat: loading earlier messages failed", error);
    } finally {
      thread.loading.value = false;
    }
  }

  /**
   * Fetches the first page of the list again (a conversation not yet loaded that got a message,
   * a new one, counters after a resync) and merges it with what is loaded.
   */
  refreshList(): Promise<void> {
    this.listRefresh ??= this.api.fetchConversationPage([...this.inbox], { limit: LIST_PAGE })
      .then((page) => {
        this.upsertConversations(page.conversations);
        // Nothing loaded beyond the first page yet: its cursor is the one to follow.
        if (this.conversations.peek().length <= page.conversations.length) this.next.value = page.next;
      })
      .catch((error) => console.warn("chat: refreshing the conversation list failed", error))
      .finally(() => this.listRefresh = undefined);
    return this.listRefresh;
  }

  /** Loads the next page of the list (scrolling down); nothing once everything is loaded. */
  async loadMore(): Promise<void> {
    const cursor = this.next.peek();
    if (cursor === null || this.loadingMore.peek()) return;
    this.loadingMore.value = true;
    try {
      const page = await this.api.fetchConversationPage([...this.inbox], { limit: LIST_PAGE, cursor });
      batch(() => {
        this.upsertConversations(page.conversations);
        this.next.value = page.next;
      });
    } catch (error) {
      console.warn("chat: loading more conversations failed; scroll again to retry", error);
    } finally {
      this.loadingMore.value = false;
    }
  }

  // ---- user actions --------------------------------------------------------------------------

  /** Shows a conversation (null: the list alone, on narrow screens). */
  select(conversationId: string | null): void {
    this.selectedId.value = conversationId;
    if (conversationId !== null) void this.ensureLoaded(conversationId);
  }

  /** Adds a conversation opened from the recipient search and shows it. */
  addConversation(conversation: WireConversation): void {
    this.upsertConversation(conversation);
    this.select(conversation.id);
  }

  /** Sends a message: shown at once as pending, queued while offline. */
  send(conversationId: string, body: string): void {
    const item: Outgoing = {
      clientId: crypto.randomUUID(),
      conversationId,
      body,
      createdAt: new Date().toISOString(),
      state: "queued",
    };
    this.outbox.value = [...this.outbox.peek(), item];
    // The server clears our typing itself once the message is stored: no `false` frame needed.
    const typing = this.typingSent.get(conversationId);
    if (typing) typing.typing = typing.want = false;
    this.transmit(item.clientId);
  }

  /** Sends a failed message again, with the same clientId (the retry button). */
  retry(clientId: string): void {
    this.clearTimers(clientId);
    this.resends.delete(clientId);
    this.setOutgoing(clientId, "queued");
    this.transmit(clientId);
  }

  /** Marks messages up to `seq` read (socket when open, else REST). */
  markRead(conversationId: string, seq: number): void {
    const conversation = this.conversation(conversationId);
    if (!conversation || seq <= conversation.readSeq) return;
    this.applyRead(conversationId, seq);
    if (!this.transport?.send({ type: "read", conversationId, seq })) {
      void this.api.postRead(conversationId, seq).catch((error) => {
        console.warn(
          "chat: marking as read failed; it will be retried when the message is seen again",
          error,
        );
      });
    }
  }

  /** Called on every keystroke: says we are typing (`true` repeated at most every 3 s). */
  noteTyping(conversationId: string): void {
    this.tellTyping(conversationId, true);
  }

  /** Says we stopped typing, if we had said we were. */
  stopTyping(conversationId: string): void {
    this.tellTyping(conversationId, false);
  }

  /**
   * Sends what we want the others to see of our typing, never sooner than
   * {@linkcode TYPING_GAP_MS} after the previous typing frame: a frame due sooner waits for the
   * gap (and is dropped if what we want changed back meanwhile).
   */
  private tellTyping(conversationId: string, want: boolean): void {
    let sent = this.typingSent.get(conversationId);
    if (!sent) this.typingSent.set(conversationId, sent = { typing: false, at: -Infinity, want });
    sent.want = want;
    const since = Date.now() - sent.at;
    if (want === sent.typing && (!want || since < TYPING_REPEAT_MS)) return;
    if (since < TYPING_GAP_MS) {
      sent.later ??= setTimeout(() => {
        sent.later = undefined;
        this.tellTyping(conversationId, sent.want);
      }, TYPING_GAP_MS - since);
      return;
    }
    if (this.transport?.send({ type: "typing", conversationId, typing: want })) {
      sent.typing = want;
      sent.at = Date.now();
    }
  }

  private transmit(clientId: string): void {
    const item = this.outbox.peek().find((o) => o.clientId === clientId);
    if (!item) return;
    const sent = this.transport?.send({
      type: "send",
      clientId,
      conversationId: item.conversationId,
      body: item.body,
    });
    if (!sent) return; // stays queued until the next hello
    this.setOutgoing(clientId, "pending");
    clearTimeout(this.ackTimers.get(clientId));
    this.ackTimers.set(
      clientId,
      setTimeout(() => {
        this.ackTimers.delete(clientId);
        // No answer: the frame or its ack was lost (the socket died, or the server is stuck). The
        // same clientId is stored at most once, so sending again is safe.
        if (this.outbox.peek().find((o) => o.clientId === clientId)?.state === "pending") {
          this.scheduleResend(clientId);
        }
      }, ACK_TIMEOUT_MS),
    );
  }

  /** The server answered our send with an error: resend what may succeed later, fail the rest. */
  private onSendError(clientId: string, code: string): void {
    if (!this.outbox.peek().some((o) => o.clientId === clientId)) return;
    const resends = this.resends.get(clientId) ?? 0;
    if (!RETRYABLE_CODES.has(code) || (code === "internal" && resends >= MAX_INTERNAL_RETRIES)) {
      this.fail(clientId);
      return;
    }
    this.scheduleResend(clientId);
  }

  /** Queues the message and sends it again after the backoff (or at the next `hello`, if sooner). */
  private scheduleResend(clientId: string): void {
    this.clearTimers(clientId);
    const attempt = this.resends.get(clientId) ?? 0;
    this.resends.set(clientId, attempt + 1);
    this.setOutgoing(clientId, "queued");
    this.resendTimers.set(
      clientId,
      setTimeout(() => {
        this.resendTimers.delete(clientId);
        if (this.outbox.peek().find((o) => o.clientId === clientId)?.state === "queued") {
          this.transmit(clientId);
        }
      }, backoffDelay(attempt, RESEND_DELAY)),
    );
  }

  /** Stops waiting for the ack of `clientId` and cancels its scheduled resend. */
  private clearTimers(clientId: string): void {
    clearTimeout(this.ackTimers.get(clientId));
    this.ackTimers.delete(clientId);
    clearTimeout(this.resendTimers.get(clientId));
    this.resendTimers.delete(clientId);
  }

  private fail(clientId: string): void {
    this.clearTimers(clientId);
    this.setOutgoing(clientId, "failed");
  }

  private setOutgoing(clientId: string, state: Outgoing["state"]): void {
    this.outbox.value = this.outbox.peek().map((o) => o.clientId === clientId ? { ...o, state } : o);
  }

  private clearTypist(conversationId: string, userId: string): void {
    const list = this.typing.peek()[conversationId];
    if (!list?.some((t) => t.userId === userId)) return;
    this.typing.value = { ...this.typing.peek(), [conversationId]: list.filter((t) => t.userId !== userId) };
  }

  /** Forgets typing signals 6 s after their last repeat. */
  private scheduleTypingExpiry(): void {
    clearTimeout(this.typingTimer);
    const all = Object.values(this.typing.peek()).flat();
    if (all.length === 0) return;
    const next = Math.min(...all.map((t) => t.until));
    this.typingTimer = setTimeout(() => {
      const now = Date.now();
      const kept: Record<string, Typist[]> = {};
      for (const [id, list] of Object.entries(this.typing.peek())) {
        kept[id] = list.filter((t) => t.until > now);
      }
      this.typing.value = kept;
      this.scheduleTypingExpiry();
    }, Math.max(0, next - Date.now()) + 20);
  }
}

/** The counters of a conversation. */
function stateOf(c: ConversationState): ConversationState {
  return {
    id: c.id,
    establishmentId: c.establishmentId,
    lastSeq: c.lastSeq,
    readSeq: c.readSeq,
    unread: Math.max(0, c.lastSeq - c.readSeq),
  };
}

/** Most recent activity first (as the server orders them). */
function sortConversations(list: WireConversation[]): WireConversation[] {
  return [...list].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
}
