/**
 * Every tunable of the realtime core, with its default. The defaults are the documented protocol
 * (docs/protocol.md); tests override some (higher rates for volume tests, a small buffer limit for
 * the slow-consumer test, a chosen set of tiers for cross-instance tests).
 */
import type { Database } from "../db/types.ts";
import { createPostgresDatabase } from "../db/postgres_adapter.ts";
import type { TierName } from "./tier.ts";
import { LIMITS } from "../domain/limits.ts";

/** A token bucket: `capacity` frames at once, then `perSecond` frames per second. */
export interface RateOption {
  capacity: number;
  perSecond: number;
}

/** Options of `createRealtime`; every field is optional. */
export interface RealtimeOptions {
  /**
   * Fan-out tiers. Default: `["local"]` on PGlite (one process, nothing to share), and
   * `["local", "broadcast", "postgres"]` on PostgreSQL.
   */
  tiers?: readonly TierName[];
  /** BroadcastChannel name (isolates of one process). Default `"preau-realtime"`. */
  broadcastChannel?: string;
  /** LISTEN/NOTIFY channel. Default `"preau_realtime"`. */
  postgresChannel?: string;
  /** A dedicated handle for the LISTEN, re-opened when it dies (see `postgres_tier.ts`). Default: the app's db. */
  openListener?: () => Database;
  /** Heartbeat period on the PostgreSQL tier. Default 1000 ms. */
  heartbeatMs?: number;
  /** Heartbeat silence after which the LISTEN connection is rebuilt. Default 4000 ms. */
  heartbeatTimeoutMs?: number;
  /** Largest client frame in UTF-8 bytes; larger ones close the socket with 1009. Default 65 536. */
  maxFrameBytes?: number;
  /** Send-buffer size past which a socket is closed with 1013. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Most sockets per user on one instance; one more is closed with 1008. Default 10. */
  maxSocketsPerUser?: number;
  /**
   * Most sockets from one client address on one instance; one more is closed with 1008. A whole
   * school may sit behind one address, hence the high default: 256.
   */
  maxSocketsPerAddress?: number;
  /**
   * Sends per person, over all their sockets and REST, on every instance: the domain applies it
   * (`createApp` passes it to `createMessaging` as `sendLimit`). Default `LIMITS.sends`, 20 at once, 5/s.
   */
  sendRate?: RateOption;
  /** `typing` frames per user and conversation. Default 5 at once, 1/s. */
  typingRate?: RateOption;
  /** Any frames per socket. Default 60 at once, 20/s. */
  frameRate?: RateOption;
  /** This many rejected frames within `floodWindowMs` close the socket with 1008. Default 50. */
  floodRejections?: number;
  /** Default 10 000 ms. */
  floodWindowMs?: number;
  /** Frames waiting for their turn on one socket; beyond, they are refused as rate_limited. Default 64. */
  maxQueuedFrames?: number;
  /**
   * Sends of one socket stored concurrently (pipelining: they join the same group commit); their
   * answers still go out in frame order. Default 1 (one at a time): answers then leave in bursts,
   * which the instantaneous `maxBufferedBytes` check can take for a slow reader; raise it (4–8)
   * once slow readers are judged over time.
   */
  maxPipelinedSends?: number;
  /** Messages held for one socket while it catches up on one conversation; beyond, 1013. Default 1000. */
  maxCatchUpQueue?: number;
  /**
   * Frames waiting in one lagging socket's outbox (beside at most half of `maxBufferedBytes` of
   * them in characters); beyond, its waiting message frames are dropped for one `resync` frame.
   * Default 1000.
   */
  maxOutboxFrames?: number;
  /** How long a socket opened with `?resume=1` may take to send its `resume` frame. Default 5000 ms. */
  resumeWaitMs?: number;
  /** Most missed messages `hello` carries for one conversation; beyond, it says `fetch`. Default 50. */
  helloMissedPerConversation?: number;
  /** Most missed messages `hello` carries in all; conversations past it say `fetch`. Default 1000. */
  helloMissedTotal?: number;
  /**
   * How often the server sends its own `ping` frame (with a nonce) to each socket. Default 5 000 ms.
   * Bytes alone cannot tell a stopped reader: the kernel's socket buffers absorb megabytes first.
   */
  livenessPingMs?: number;
  /** A socket that has not answered the `ping` with its `pong` within this long is closed with 1013. Default 5 000 ms. */
  livenessTimeoutMs?: number;
  /** Seconds without any traffic before a ping, and again before closing a dead socket. Default 30. */
  idleTimeoutSeconds?: number;
  /** How often sessions and memberships of live sockets are checked again. Default 60 000 ms. */
  revalidateIntervalMs?: number;
  /**
   * How often the sessions of live sockets are checked in one query, so a session ended outside the
   * domain's events (a row deleted or revoked by hand, an event lost with a LISTEN connection)
   * still closes its sockets within about this long. Default 1000 ms.
   */
  sessionSweepMs?: number;
  /** How long shutdown waits for in-flight sends before closing sockets with 1012. Default 5000 ms. */
  drainTimeoutMs?: number;
}

/** {@linkcode RealtimeOptions} with every default applied. */
export type ResolvedOptions =
  & Required<Omit<RealtimeOptions, "openListener">>
  & Pick<RealtimeOptions, "openListener">;

/** Applies the defaults; `kind` picks the default tiers. */
export function resolveOptions(options: RealtimeOptions, kind: Database["kind"]): ResolvedOptions {
  const tiers = options.tiers ?? (kind === "pglite" ? ["local"] : ["local", "broadcast", "postgres"]);
  if (!tiers.includes("local")) {
    throw new RangeError(
      `realtime tiers must include "local" (this isolate's own sockets); got ${tiers.join(", ")}`,
    );
  }
  if (tiers.includes("postgres") && kind !== "postgres") {
    throw new RangeError(
      `the "postgres" realtime tier needs a PostgreSQL database (LISTEN/NOTIFY); this is ${kind}`,
    );
  }
  return {
    broadcastChannel: "preau-realtime",
    postgresChannel: "preau_realtime",
    heartbeatMs: 1000,
    heartbeatTimeoutMs: 4000,
    maxFrameBytes: 64 * 1024,
    maxBufferedBytes: 1024 * 1024,
    maxSocketsPerUser: 10,
    maxSocketsPerAddress: 256,
    sendRate: { capacity: LIMITS.sends.capacity, perSecond: LIMITS.sends.refillPerSecond },
    typingRate: { capacity: 5, perSecond: 1 },
    frameRate: { capacity: 60, perSecond: 20 },
    floodRejections: 50,
    floodWindowMs: 10_000,
    maxQueuedFrames: 64,
    maxPipelinedSends: 1,
    maxCatchUpQueue: 1000,
    maxOutboxFrames: 1000,
    resumeWaitMs: 5000,
    helloMissedPerConversation: 50,
    helloMissedTotal: 1000,
    livenessPingMs: 5000,
    livenessTimeoutMs: 5000,
    idleTimeoutSeconds: 30,
    revalidateIntervalMs: 60_000,
    sessionSweepMs: 1000,
    drainTimeoutMs: 5000,
    ...stripUndefined(options),
    tiers,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Options for a deployment on `databaseUrl`: on PostgreSQL, the LISTEN runs on a dedicated
 * connection that the heartbeat can throw away and open again (a half-open socket on the shared
 * pool would linger until TCP keepalive gives up). Its pool stays empty: only the LISTEN connects.
 *
 * `parallel`: other isolates of this process serve too (`deno serve --parallel`). Only then does
 * the BroadcastChannel tier reach anyone; alone in its process (`deno task start`), an instance
 * leaves it out rather than encode and post every event to nobody. Default false.
 */
export function deploymentOptions(
  databaseUrl: string | undefined,
  { parallel = false }: { parallel?: boolean } = {},
): RealtimeOptions {
  if (databaseUrl === undefined) return {};
  return {
    ...(parallel ? {} : { tiers: ["local", "postgres"] }),
    openListener: () => createPostgresDatabase(databaseUrl, { poolSize: 1, connectTimeoutSeconds: 5 }),
  };
}
