/**
 * The realtime core of one instance (one isolate): the `/ws/chat` handler, the hub of its sockets,
 * and the bus that links it to the other instances. `server/app.ts` builds it from the services.
 * It hears what the domain committed through the domain's event port (`domain/events.ts`) and
 * turns each event into a bus event, so every instance's sockets learn of it; nothing else
 * publishes.
 *
 * ```ts
 * const realtime = createRealtime({ db, messaging, events }, { tiers: ["local", "postgres"] });
 * await realtime.start();                       // LISTEN, heartbeat, periodic re-checks
 * app.get("/ws/chat", createUpgradeHandler({ auth, originPolicy, realtime })); // server/ws_route.ts
 * await realtime.close();                       // drain sends, close sockets with 1012, stop the bus
 * ```
 */
import type { Database } from "../db/types.ts";
import type { DomainEvent, EventHub } from "../domain/events.ts";
import type { Messaging } from "../domain/messaging.ts";
import { BroadcastTier } from "./broadcast_tier.ts";
import { Bus } from "./bus.ts";
import { newEventId, type PublishedEvent } from "../protocol/bus_events.ts";
import { CLOSE } from "../protocol/server_frames.ts";
import { Hub, type HubStats } from "./hub.ts";
import { type RealtimeOptions, resolveOptions } from "./options.ts";
import { PostgresTier } from "./postgres_tier.ts";
import { type FanoutTier, LocalTier } from "./tier.ts";

/** Services the realtime core is built from. */
export interface RealtimeDeps {
  db: Database;
  messaging: Messaging;
  /** The domain's event port: what it publishes reaches every instance's sockets. */
  events: EventHub;
  /** The process is draining (new sockets get 503). Default: never. */
  isStopping?: () => boolean;
}

/** Counters for tests and metrics. */
export interface RealtimeStats extends HubStats {
  /** Whether the PostgreSQL listener is known to work; `undefined` without that tier. */
  listening: boolean | undefined;
}

/** Options of {@linkcode Realtime.close}. */
export interface RealtimeCloseOptions {
  /** Close code sent to every socket. Default 1012 (restarting). */
  code?: number;
  reason?: string;
}

/** What the WebSocket upgrade route (`server/ws_route.ts`) needs of the realtime core. */
export interface SocketAdmission {
  /** This instance's id on the bus (sent in the upgrade's `x-preau-instance` header). */
  readonly instanceId: string;
  /** True while draining: new sockets are refused. */
  isStopping(): boolean;
  /** Seconds of silence before a ping, and again before a dead socket is dropped. */
  readonly idleTimeoutSeconds: number;
  readonly maxSocketsPerUser: number;
  readonly maxSocketsPerAddress: number;
  /** Live sockets of the user on this instance. */
  socketsOf(userId: string): number;
  /** Live sockets from the client address on this instance. */
  socketsFrom(address: string): number;
  /**
   * Takes an upgraded socket over; `expiresAt` is when its session's token expires; `resume` when
   * it was opened with `?resume=1` (its first frame is then `resume`, answered in `hello`).
   */
  accept(
    socket: WebSocket,
    user: { id: string; name: string },
    sessionId: string,
    expiresAt: Date,
    address?: string,
    resume?: boolean,
  ): void;
}

/** See the module documentation. */
export interface Realtime extends SocketAdmission {
  /** Subscribes to the bus (resolves once the LISTEN is active) and starts the periodic re-checks. */
  start(): Promise<void>;
  /** Re-checks every socket's session and conversations now (normally every minute). */
  revalidate(): Promise<void>;
  stats(): RealtimeStats;
  /** Stops accepting frames, drains in-flight sends, closes sockets (1012) and the bus. Idempotent. */
  close(options?: RealtimeCloseOptions): Promise<void>;
}

/** Builds the realtime core; call `start()` before serving. */
export function createRealtime(deps: RealtimeDeps, options: RealtimeOptions = {}): Realtime {
  const o = resolveOptions(options, deps.db.kind);
  const instanceId = crypto.randomUUID();
  const tiers: FanoutTier[] = [new LocalTier()];
  let postgresTier: PostgresTier | undefined;
  if (o.tiers.includes("broadcast")) {
    tiers.push(new BroadcastTier({ channel: o.broadcastChannel, instanceId }));
  }
  if (o.tiers.includes("postgres")) {
    postgresTier = new PostgresTier({
      db: deps.db,
      instanceId,
      channel: o.postgresChannel,
      openListener: o.openListener,
      heartbeatMs: o.heartbeatMs,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    });
    tiers.push(postgresTier);
  }
  const bus = new Bus(tiers);
  const hub = new Hub({ db: deps.db, messaging: deps.messaging, options: o });
  const isStopping = () => hub.stopping || (deps.isStopping?.() ?? false);
  // Tiers never reject; a hint a tier failed to carry is caught up from the database.
  const unsubscribe = deps.events.subscribe((event) => void bus.publish(toBusEvent(event)));
  let timer: ReturnType<typeof setInterval> | undefined;
  let sweepTimer: ReturnType<typeof setInterval> | undefined;
  let livenessTimer: ReturnType<typeof setInterval> | undefined;
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  return {
    instanceId,
    isStopping,
    idleTimeoutSeconds: o.idleTimeoutSeconds,
    maxSocketsPerUser: o.maxSocketsPerUser,
    maxSocketsPerAddress: o.maxSocketsPerAddress,
    socketsOf: (userId) => hub.socketsOf(userId),
    socketsFrom: (address) => hub.socketsFrom(address),
    accept: (socket, user, sessionId, expiresAt, address, resume) =>
      void hub.accept(socket, user, sessionId, expiresAt, address, resume),

    start() {
      started ??= (async () => {
        await bus.start((event) => hub.onEvent(event));
        const interval = setInterval(() => void hub.revalidateAll(), o.revalidateIntervalMs);
        Deno.unrefTimer(interval);
        timer = interval;
        const sweep = setInterval(() => void hub.sweepSessions(), o.sessionSweepMs);
        Deno.unrefTimer(sweep);
        sweepTimer = sweep;
        // One sweep for every socket's liveness ping; its period bounds how late a verdict can be.
        const livenessTick = Math.max(50, Math.min(o.livenessPingMs, o.livenessTimeoutMs) / 5);
        const liveness = setInterval(() => hub.checkLiveness(), livenessTick);
        Deno.unrefTimer(liveness);
        livenessTimer = liveness;
      })();
      return started;
    },

    revalidate: () => hub.revalidateAll(),

    stats: () => ({ ...hub.stats(), listening: postgresTier?.healthy }),

    close(closeOptions = {}) {
      closing ??= (async () => {
        hub.stopping = true;
        clearInterval(timer);
        clearInterval(sweepTimer);
        clearInterval(livenessTimer);
        await hub.drain(Date.now() + o.drainTimeoutMs);
        await hub.closeAll(
          closeOptions.code ?? CLOSE.restarting,
          closeOptions.reason ?? "server restarting: reconnect",
        );
        hub.close();
        unsubscribe(); // after the drain: the sends it finished were published
        await bus.close();
      })();
      return closing;
    },
  };
}

/** The bus event that carries a domain event to every instance. */
function toBusEvent(event: DomainEvent): PublishedEvent {
  switch (event.kind) {
    case "message_stored":
      return {
        kind: "message",
        conversationId: event.message.conversationId,
        seq: event.message.seq,
        messages: [event.message],
      };
    case "read_moved":
      return { ...event, kind: "read", id: newEventId() };
    case "conversation_created":
      return { kind: "conversation", id: newEventId(), conversationId: event.conversationId.toLowerCase() };
    case "typing":
      return { ...event, id: newEventId() };
    case "session_ended":
      return { ...event, id: newEventId() };
    case "membership_changed":
      return { ...event, id: newEventId() };
    case "settings_changed":
      return { kind: "settings", id: newEventId(), establishmentId: event.establishmentId, mode: event.mode };
  }
}
