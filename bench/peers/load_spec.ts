/**
 * What the orchestrator (bench/load/main.ts) asks of the load client, and what the client answers. Plain
 * JSON both ways; no imports beyond the shared pure statistics.
 */
import { type Histogram, newHistogram } from "../load/stats.ts";

export type SystemName = "preau" | "bare" | "pgnotify" | "socketio";

/** One simulated person with one socket. */
export interface ClientSpec {
  /** Rooms (conversation ids for Préau) this socket follows. */
  rooms: string[];
  /** Préau: the `Cookie` header and the `X-Forwarded-For` address (the instances trust loopback as proxy). */
  cookie?: string;
  xff?: string;
  /** Receipts of uncounted clients are not deliveries. Default true. */
  counted?: boolean;
  /**
   * False for a sender that receives nothing: Préau's holds no socket and sends through
   * `POST /api/conversations/:id/messages` (keep-alive HTTP; acks are its 201/200 answers); the peers' opens a
   * socket that joins no room and emits to the room from outside it. Default true.
   */
  listens?: boolean;
  /** A slow consumer: reads nothing after its `hello` (raw TCP socket). */
  slow?: boolean;
}

/** One scenario run against one system. */
export interface LoadSpec {
  system: SystemName;
  /** Instance base URLs (`http://127.0.0.1:port`); client `i` uses `urls[i % urls.length]`. */
  urls: string[];
  clients: ClientSpec[];
  /** Open-loop schedule: message `i` is due at `start + i * 1000 / rate` and sent by `senders[i % n]`. */
  rate: number;
  durationMs: number;
  senders: { client: number; room: string }[];
  /** Characters of padding added to each body (the slow-consumer scenario fills buffers faster). */
  pad?: number;
  /** How long after the last send receipts still count. */
  drainMs: number;
  /** Sockets opened at once while connecting. */
  connectConcurrency: number;
  /** Workers (one isolate each) sharing the clients. */
  workers: number;
  /**
   * Idle mode: connect the first half of the clients, say `HALF` and wait for `GO` on stdin (the
   * orchestrator samples memory meanwhile), connect the second half, then hold every socket this long
   * (memory is sampled again halfway) and close. The difference is what the second half's sockets cost,
   * without the one-time costs (heap growth, compiled code) the first connections pay.
   */
  holdMs?: number;
  /**
   * Resync mode: connect, note each room's last seq, close everything, wait for "GO" on stdin (the
   * orchestrator stores `missed` messages per room meanwhile), then reconnect every client at once and
   * time until each holds all its missed messages.
   */
  resync?: { missed: number };
}

/** What one worker (and, merged, the whole client) measured. */
export interface LoadResult {
  latency: Histogram;
  /** From the scheduled send time to its acknowledgement (the sender's wait). */
  ackLatency: Histogram;
  /** Sends written to a socket. */
  sent: number;
  /**
   * Sends acknowledged (Préau `ack`, or `201`/`200` to a REST send; pg `{"ack"}`; Socket.IO callback); the
   * bare server never acks.
   */
  acked: number;
  /** Sends refused (`error` frames; other answers or failures of a REST send). */
  refused: number;
  /** Deliveries counted (receipts of counted clients within the window). */
  received: number;
  /** Deliveries expected: for each send, the counted sockets of its room other than the sender. */
  expected: number;
  connectFailures: number;
  /** Close codes seen while the run was going, with counts. */
  closes: Record<string, number>;
  /** Resync mode: ms from the reconnect until the last client had everything. */
  resyncMs?: number;
  /** Resync mode: clients that did not get all their missed messages within the window. */
  resyncIncomplete?: number;
}

/** A result with nothing counted yet. */
export function emptyResult(): LoadResult {
  return {
    latency: newHistogram(),
    ackLatency: newHistogram(),
    sent: 0,
    acked: 0,
    refused: 0,
    received: 0,
    expected: 0,
    connectFailures: 0,
    closes: {},
  };
}
