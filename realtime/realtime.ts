/**
 * The realtime core of one instance (one isolate): the `/ws/chat` handler, the hub of its sockets,
 * and the bus that links it to the other instances. `server/app.ts` builds it from the services;
 * REST handlers call its event methods after their database work committed.
 *
 * ```ts
 * const realtime = createRealtime({ db, auth, messaging, originPolicy }, { tiers: ["local", "postgres"] });
 * await realtime.start();                       // LISTEN, heartbeat, periodic re-checks
 * app.get("/ws/chat", (c) => realtime.handleUpgrade(c.req.raw));
 * await realtime.conversationCreated(id);       // after POST /api/conversations created one
 * await realtime.close();                       // drain sends, close sockets with 1012, stop the bus
 * ```
 */
import type { Database } from "../db/types.ts";
import type { AuthService } from "../domain/auth.ts";
import type { MembershipEvents } from "../domain/memberships.ts";
import type { RateLimitStore } from "../domain/limits.ts";
import type { Messaging } from "../domain/messaging.ts";
import type { OriginPolicy } from "../server/origin.ts";
import { BroadcastTier } from "./broadcast_tier.ts";
import { Bus } from "./bus.ts";
import { newEventId, type PublishedEvent } from "./events.ts";
import { CLOSE } from "./frames.ts";
import { Hub, type HubStats } from "./hub.ts";
import { type RealtimeOptions, resolveOptions } from "./options.ts";
import { PostgresTier } from "./postgres_tier.ts";
import { type FanoutTier, LocalTier } from "./tier.ts";
import { createUpgradeHandler } from "./ws_route.ts";

/** Longest a REST handler waits for its event to be handed on by every tier. */
const PUBLISH_WAIT_MS = 2000;

/** Services the realtime core is built from. */
export interface RealtimeDeps {
  db: Database;
  auth: AuthService;
  messaging: Messaging;
  /** Where the per-user send limit is kept (shared by every instance). */
  limits: RateLimitStore;
  originPolicy: OriginPolicy;
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

/** See the module documentation. */
export interface Realtime extends MembershipEvents {
  /** This instance's id on the bus. */
  readonly instanceId: string;
  /** `GET /ws/chat` from `clientAddress` (undefined when unknown: no per-address cap). */
  handleUpgrade(req: Request, clientAddress?: string): Promise<Response>;
  /** Subscribes to the bus (resolves once the LISTEN is active) and starts the periodic re-checks. */
  start(): Promise<void>;
  /** A conversation was created: its members' sockets, on every instance, get it. */
  conversationCreated(conversationId: string): Promise<void>;
  /** A read marker moved (REST): every member's sockets get a `read` frame. */
  readMarked(conversationId: string, userId: string, seq: number): Promise<void>;
  /** A session was revoked: its sockets, on every instance, close with 4401. */
  sessionEnded(sessionId: string): Promise<void>;
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
  const hub = new Hub({
    db: deps.db,
    messaging: deps.messaging,
    limits: deps.limits,
    options: o,
    publish: (e) => bus.publish(e),
  });
  const isStopping = () => hub.stopping || (deps.isStopping?.() ?? false);
  const handleUpgrade = createUpgradeHandler({
    auth: deps.auth,
    originPolicy: deps.originPolicy,
    isStopping,
    idleTimeoutSeconds: o.idleTimeoutSeconds,
    maxSocketsPerUser: o.maxSocketsPerUser,
    maxSocketsPerAddress: o.maxSocketsPerAddress,
    socketsOf: (userId) => hub.socketsOf(userId),
    socketsFrom: (address) => hub.socketsFrom(address),
    accept: (socket, user, sessionId, address) => void hub.accept(socket, user, sessionId, address),
  });
  /**
   * Publishes for a REST handler: resolves once every tier handed the event on, or after
   * `PUBLISH_WAIT_MS` (a NOTIFY retried during a database outage must not hold the HTTP answer).
   */
  const announce = async (event: PublishedEvent) => {
    let wait: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      bus.publish(event),
      new Promise((resolve) => wait = setTimeout(resolve, PUBLISH_WAIT_MS)),
    ]);
    clearTimeout(wait);
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  return {
    instanceId,
    handleUpgrade,

    start() {
      started ??= (async () => {
        await bus.start((event) => hub.onEvent(event));
        const interval = setInterval(() => void hub.revalidateAll(), o.revalidateIntervalMs);
        Deno.unrefTimer(interval);
        timer = interval;
      })();
      return started;
    },

    async conversationCreated(conversationId) {
      await announce({
        kind: "conversation",
        id: newEventId(),
        conversationId: conversationId.toLowerCase(),
      });
    },

    async readMarked(conversationId, userId, seq) {
      await announce({
        kind: "read",
        id: newEventId(),
        conversationId: conversationId.toLowerCase(),
        userId,
        seq,
      });
    },

    async sessionEnded(sessionId) {
      await announce({ kind: "session_ended", id: newEventId(), sessionId });
    },

    async membershipRemoved(userId, establishmentId) {
      await announce({ kind: "membership_removed", id: newEventId(), userId, establishmentId });
    },

    revalidate: () => hub.revalidateAll(),

    stats: () => ({ ...hub.stats(), listening: postgresTier?.healthy }),

    close(closeOptions = {}) {
      closing ??= (async () => {
        hub.stopping = true;
        clearInterval(timer);
        await hub.drain(Date.now() + o.drainTimeoutMs);
        await hub.closeAll(
          closeOptions.code ?? CLOSE.restarting,
          closeOptions.reason ?? "server restarting: reconnect",
        );
        hub.close();
        await bus.close();
      })();
      return closing;
    },
  };
}
