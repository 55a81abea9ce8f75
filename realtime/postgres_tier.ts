/**
 * The tier between processes and hosts: PostgreSQL LISTEN/NOTIFY on one channel, with ONE listening
 * connection per instance (per isolate under `deno serve --parallel`), never one per user or
 * conversation.
 *
 * Publishing happens AFTER the message's transaction committed (a NOTIFY inside the insert
 * transaction serialises commits on PostgreSQL's notification queue lock and cuts the commit rate
 * several times). Events are coalesced for `coalesceMs` and while a NOTIFY is in flight, then packed
 * by `notify_payloads.ts`. A failed NOTIFY is retried; either way, nothing depends on it: receivers
 * catch up from the database.
 *
 * NOTIFY is lost while a listening connection is down. Two guards:
 * - every (re-)LISTEN (`onListen`) raises `resync`, so the instance catches up from the database;
 * - a heartbeat: every `heartbeatMs` the instance NOTIFYs itself. When a heartbeat that PostgreSQL
 *   accepted has not come back within `heartbeatTimeoutMs`, the listener is silent (half-open TCP,
 *   stuck backend): the tier raises `resync`, throws the listener away and builds a new one, and
 *   raises `resync` every heartbeat until it works again (polling the database meanwhile).
 *
 * Rebuilding is only thorough with `openListener` (a dedicated `Database` whose `close()` drops the
 * dead socket); on the shared `db`, postgres.js keeps its one LISTEN connection, so a truly half-open
 * socket lingers until TCP keepalive ends it, while polling keeps delivery going.
 */
import type { Database } from "../db/types.ts";
import { DatabaseUsageError, isDatabaseUnavailable } from "../db/errors.ts";
import { type BusEvent, decodeEnvelope, type PublishedEvent } from "../protocol/bus_events.ts";
import {
  carriesEventsOf,
  heartbeatPayload,
  mergeHints,
  packPayloads,
  payloadHead,
  type PayloadLimits,
} from "./notify_payloads.ts";
import type { FanoutTier } from "./tier.ts";
import { backoffDelay } from "../util/backoff.ts";
import { settlesWithin, sleep, withTimeout } from "../util/timeout.ts";

/** Options of {@linkcode PostgresTier}. */
export interface PostgresTierOptions extends PayloadLimits {
  /** Where NOTIFYs are sent, and where the LISTEN runs unless `openListener` is given. */
  db: Database;
  /** This instance's id: its own events coming back are skipped, its own heartbeats counted. */
  instanceId: string;
  /** The channel. Default `"preau_realtime"`. */
  channel?: string;
  /**
   * Opens a dedicated database handle for the LISTEN; it is closed and opened anew when the
   * heartbeat says the listener died. Default: LISTEN on `db`.
   */
  openListener?: () => Database;
  /** How long events wait to be sent together. Default 2 ms. */
  coalesceMs?: number;
  /** Heartbeat period. Default 1000 ms. */
  heartbeatMs?: number;
  /** A heartbeat not back after this long means the listener is dead. Default 4000 ms. */
  heartbeatTimeoutMs?: number;
  /** How long one LISTEN attempt may take before it is abandoned. Default 10 000 ms. */
  listenTimeoutMs?: number;
  /** Events kept for retry while NOTIFY fails; beyond that, hints are merged and typing dropped. Default 5000. */
  maxQueuedEvents?: number;
}

interface Listener {
  db: Database;
  owned: boolean;
  unsubscribe: () => Promise<void>;
}

/** See the module documentation. */
export class PostgresTier implements FanoutTier {
  readonly name = "postgres";
  readonly #o:
    & Required<Omit<PostgresTierOptions, "openListener">>
    & Pick<PostgresTierOptions, "openListener">;
  #handlers = new Set<(event: BusEvent) => void>();
  #listener: Listener | undefined;
  /** Bumped at each (re)build, so a late onListen from a discarded listener is ignored. */
  #generation = 0;
  #healthy = false;
  #rebuilding: Promise<void> | undefined;
  #started: Promise<void> | undefined;
  #closed = false;
  #stop = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;
  #heartbeat = 0;
  #lastHeartbeatBack = 0;
  /** Heartbeats PostgreSQL accepted and that have not come back yet: number → accepted at (ms). */
  #outstanding = new Map<number, number>();
  #queue: { event: PublishedEvent; done: () => void }[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> | undefined;
  /** How this instance's own payloads begin (see `#onPayload`). */
  readonly #ownPrefix: string;

  constructor(options: PostgresTierOptions) {
    this.#o = {
      channel: "preau_realtime",
      coalesceMs: 2,
      heartbeatMs: 1000,
      heartbeatTimeoutMs: 4000,
      listenTimeoutMs: 10_000,
      maxQueuedEvents: 5000,
      maxBytes: 7000,
      inlineBytes: 2000,
      ...options,
    };
    this.#ownPrefix = payloadHead(options.instanceId);
  }

  /** Whether the listener is known to work (tests and metrics). */
  get healthy(): boolean {
    return this.#healthy;
  }

  subscribe(handler: (event: BusEvent) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.#closed) return Promise.resolve();
    this.#handlers.add(handler);
    signal.addEventListener("abort", () => this.#handlers.delete(handler), { once: true });
    this.#started ??= this.#start();
    return this.#started;
  }

  publish(event: PublishedEvent): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#queue.push({ event, done: resolve });
    if (this.#queue.length > this.#o.maxQueuedEvents) this.#compact();
    this.#scheduleFlush();
    return promise;
  }

  /** Flushes after `coalesceMs` unless a flush is pending or running (which re-checks when done). */
  #scheduleFlush(): void {
    if (this.#closed || this.#flushing !== undefined || this.#flushTimer !== undefined) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
        // Events published after the last batch was taken, while this flush was finishing.
        if (this.#queue.length > 0) this.#scheduleFlush();
      });
    }, this.#o.coalesceMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    clearInterval(this.#timer);
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.#flushing?.catch(() => {});
    // One last attempt for what is still queued (a failure now is not retried).
    if (this.#queue.length > 0) await this.#flush().catch(() => {});
    for (const { done } of this.#queue.splice(0)) done();
    this.#handlers.clear();
    this.#generation++;
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) await this.#discard(listener, 2000);
  }

  async #start(): Promise<void> {
    await this.#connect();
    const timer = setInterval(() => this.#tick(), this.#o.heartbeatMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    const owned = this.#o.openListener !== undefined;
    const db = this.#o.openListener?.() ?? this.#o.db;
    const listening = db.listen(this.#o.channel, (payload) => this.#onPayload(payload), {
      signal: this.#stop.signal,
      onListen: () => {
        if (generation !== this.#generation || this.#closed) return;
        this.#healthy = true;
        this.#outstanding.clear();
        this.#emit({ kind: "resync", reason: "LISTEN (re-)established" });
      },
    });
    try {
      const unsubscribe = await withTimeout(listening, this.#o.listenTimeoutMs, { what: "the LISTEN" });
      if (generation !== this.#generation || this.#closed) {
        await this.#discard({ db, owned, unsubscribe }, 2000);
        return;
      }
      this.#listener = { db, owned, unsubscribe };
    } catch (error) {
      // A LISTEN that answers after all must not linger as a second subscription.
      listening.then((unsubscribe) => this.#discard({ db, owned, unsubscribe }, 2000), () => {});
      if (owned) void db.close().catch(() => {});
      throw error;
    }
  }

  /** Unsubscribes (or closes a dedicated handle), waiting at most `ms`: a dead socket may never answer. */
  async #discard(listener: Listener, ms: number): Promise<void> {
    const work = listener.owned ? listener.db.close() : listener.unsubscribe();
    await settlesWithin(work, ms);
  }

  #tick(): void {
    if (this.#closed) return;
    if (!this.#healthy) {
      // Polling while the listener is being rebuilt: notifications may be lost, the database is not.
      this.#emit({ kind: "resync", reason: "the listener is being rebuilt" });
      if (this.#rebuilding === undefined) this.#rebuild("the listener is down");
    } else {
      const now = Date.now();
      for (const acceptedAt of this.#outstanding.values()) {
        if (now - acceptedAt > this.#o.heartbeatTimeoutMs) {
          console.warn(
            `realtime: no heartbeat back for ${
              now - acceptedAt
            } ms; the LISTEN connection is silent, rebuilding it`,
          );
          this.#emit({ kind: "resync", reason: "heartbeat lost" });
          this.#rebuild("heartbeat lost");
          break;
        }
      }
    }
    this.#sendHeartbeat();
  }

  #sendHeartbeat(): void {
    const n = ++this.#heartbeat;
    this.#o.db.notify(this.#o.channel, heartbeatPayload(this.#o.instanceId, n)).then(
      () => {
        if (n > this.#lastHeartbeatBack && this.#healthy) this.#outstanding.set(n, Date.now());
        // Bounded: only the oldest unanswered heartbeat matters.
        if (this.#outstanding.size > 64) this.#outstanding.delete(this.#outstanding.keys().next().value!);
      },
      (error) => this.#reportNotifyFailure(error),
    );
  }

  #rebuild(reason: string): void {
    if (this.#rebuilding !== undefined || this.#closed) return;
    this.#healthy = false;
    this.#outstanding.clear();
    this.#rebuilding = (async () => {
      const old = this.#listener;
      this.#listener = undefined;
      this.#generation++;
      if (old) void this.#discard(old, 5000);
      for (let attempt = 0; !this.#closed; attempt++) {
        try {
          await this.#connect();
          if (attempt > 0) console.warn(`realtime: LISTEN connection rebuilt after ${attempt + 1} attempts`);
          return;
        } catch (error) {
          // One line per outage, not one per attempt: the attempts go on every second at most.
          if (attempt === 0) {
            console.warn(
              `realtime: rebuilding the LISTEN connection (${reason}) failed, retrying: ${describe(error)}`,
            );
          }
          // Capped at 1 s so that delivery resumes within a second or so of the database's return.
          await sleep(backoffDelay(attempt, { baseMs: 200, maxMs: 1000 }), this.#stop.signal);
        }
      }
    })().finally(() => this.#rebuilding = undefined);
  }

  #onPayload(payload: string): void {
    // PostgreSQL hands every listener its own NOTIFYs too: those that carry events (not heartbeats,
    // whose `events` are empty) are dropped before they are parsed. `packPayloads` writes `src` first.
    if (carriesEventsOf(payload, this.#ownPrefix)) return;
    const envelope = decodeEnvelope(payload);
    if (envelope === null) {
      console.warn("realtime: ignored a malformed notification on the realtime channel");
      return;
    }
    if (envelope.src === this.#o.instanceId) {
      if (envelope.hb !== undefined) {
        this.#lastHeartbeatBack = Math.max(this.#lastHeartbeatBack, envelope.hb);
        for (const n of this.#outstanding.keys()) if (n <= envelope.hb) this.#outstanding.delete(n);
      }
      return;
    }
    for (const event of envelope.events) this.#emit(event);
  }

  #emit(event: BusEvent): void {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (error) {
        console.error("realtime: a PostgreSQL-tier subscriber threw:", error);
      }
    }
  }

  async #flush(): Promise<void> {
    for (let failures = 0; this.#queue.length > 0;) {
      const batch = this.#queue.splice(0);
      try {
        for (const payload of packPayloads(this.#o.instanceId, batch.map((b) => b.event), this.#o)) {
          await this.#o.db.notify(this.#o.channel, payload);
        }
        failures = 0;
      } catch (error) {
        this.#reportNotifyFailure(error);
        if (this.#closed || error instanceof DatabaseUsageError) {
          for (const { done } of batch) done();
          continue;
        }
        // Retried ahead of newer events; receivers catch up from the database anyway.
        this.#queue.unshift(...batch);
        if (this.#queue.length > this.#o.maxQueuedEvents) this.#compact();
        await sleep(backoffDelay(failures++, { baseMs: 50, maxMs: 2000 }), this.#stop.signal);
        continue;
      }
      for (const { done } of batch) done();
    }
  }

  /** Bounds the retry queue: merges message hints (dropping inline bodies) and drops typing. */
  #compact(): void {
    const entries = this.#queue.splice(0);
    const kept = entries.filter(({ event }) => event.kind !== "typing" && event.kind !== "message");
    const hints = mergeHints(entries.filter(({ event }) => event.kind === "message").map((e) => e.event));
    const done = () => {
      for (const entry of entries) entry.done();
    };
    let first = true;
    for (const hint of hints) {
      if (hint.kind === "message") delete hint.messages;
      this.#queue.push({ event: hint, done: first ? done : () => {} });
      first = false;
    }
    this.#queue.push(...kept);
    if (first) done();
  }

  #lastFailureLog = 0;
  #reportNotifyFailure(error: unknown): void {
    // An outage is logged once by the database adapter itself.
    if (this.#closed || error instanceof DatabaseUsageError || isDatabaseUnavailable(error)) return;
    const now = Date.now();
    if (now - this.#lastFailureLog < 10_000) return;
    this.#lastFailureLog = now;
    console.warn(`realtime: NOTIFY failed (receivers will catch up from the database): ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
