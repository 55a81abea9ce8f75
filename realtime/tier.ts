/**
 * A fan-out tier: one way events travel between the sockets of Préau. Three exist, from nearest to
 * farthest: this isolate (`LocalTier`), the other isolates of this process (`broadcast_tier.ts`,
 * `deno serve --parallel`), other processes and hosts (`postgres_tier.ts`, LISTEN/NOTIFY). The bus
 * (`bus.ts`) publishes every event on each selected tier and de-duplicates what comes back, so a
 * tier only has to carry events, never to guarantee anything: the database is the truth.
 */
import type { BusEvent, PublishedEvent } from "../protocol/bus_events.ts";

/** Names of the tiers, as selected in the realtime options. */
export type TierName = "local" | "broadcast" | "postgres";

/** See the module documentation. */
export interface FanoutTier {
  readonly name: TierName;
  /**
   * Starts handing events to `handler` until `signal` aborts; resolves once receiving works (for
   * PostgreSQL: once the LISTEN is active). Events published by this same instance are not handed
   * back, except by the local tier, whose whole job that is.
   */
  subscribe(handler: (event: BusEvent) => void, signal: AbortSignal): Promise<void>;
  /**
   * Sends `event` to the other subscribers of this tier. Never rejects: failures are reported and
   * left to the database catch-up, since a lost hint only delays delivery.
   */
  publish(event: PublishedEvent): Promise<void>;
  /** Stops receiving and releases what keeps the process alive (channels, connections, timers). */
  close(): Promise<void>;
}

/** Delivers this instance's own events to its own sockets, synchronously. */
export class LocalTier implements FanoutTier {
  readonly name = "local";
  #handlers = new Set<(event: BusEvent) => void>();

  subscribe(handler: (event: BusEvent) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    this.#handlers.add(handler);
    signal.addEventListener("abort", () => this.#handlers.delete(handler), { once: true });
    return Promise.resolve();
  }

  publish(event: PublishedEvent): Promise<void> {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (error) {
        console.error("realtime: a local subscriber threw:", error);
      }
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#handlers.clear();
    return Promise.resolve();
  }
}
