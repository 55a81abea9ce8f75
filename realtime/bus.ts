/**
 * The fan-out bus: publishes each event on every selected tier and hands what arrives to one
 * subscriber (the hub), once. An event published by another isolate of this process arrives twice
 * (BroadcastChannel and NOTIFY); the bus drops the second copy by event id. Message hints carry no
 * id: the conversation streams drop repeated seqs themselves.
 */
import type { BusEvent, PublishedEvent } from "../protocol/bus_events.ts";
import type { FanoutTier } from "./tier.ts";

/** Options of {@linkcode Bus}. */
export interface BusOptions {
  /** How many recent event ids are remembered for de-duplication. Default 10 000. */
  rememberIds?: number;
}

/** See the module documentation. */
export class Bus {
  readonly tiers: readonly FanoutTier[];
  readonly #remember: number;
  #seen = new Set<string>();
  #stop = new AbortController();
  #closed = false;

  constructor(tiers: readonly FanoutTier[], options: BusOptions = {}) {
    this.tiers = tiers;
    this.#remember = options.rememberIds ?? 10_000;
  }

  /** Subscribes `handler` on every tier; resolves once all receive (rejects if one cannot start). */
  async start(handler: (event: BusEvent) => void): Promise<void> {
    const deliver = (event: BusEvent) => {
      if (this.#closed || !this.#firstTime(event)) return;
      handler(event);
    };
    await Promise.all(this.tiers.map((tier) => tier.subscribe(deliver, this.#stop.signal)));
  }

  /**
   * Sends `event` on every tier (the local tier delivers it to this instance's sockets before this
   * returns). The promise settles once every tier handed it on; it never rejects.
   */
  async publish(event: PublishedEvent): Promise<void> {
    if (this.#closed) return;
    await Promise.all(this.tiers.map((tier) => tier.publish(event)));
  }

  /** Stops delivery and closes every tier. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    await Promise.all(this.tiers.map((tier) => tier.close().catch(() => {})));
  }

  /** False when an event with the same id was already delivered. */
  #firstTime(event: BusEvent): boolean {
    if (event.kind === "message" || event.kind === "resync") return true;
    if (this.#seen.has(event.id)) return false;
    this.#seen.add(event.id);
    if (this.#seen.size > this.#remember) {
      // Sets iterate in insertion order: forget the oldest tenth at once.
      let drop = Math.ceil(this.#remember / 10);
      for (const id of this.#seen) {
        if (drop-- <= 0) break;
        this.#seen.delete(id);
      }
    }
    return true;
  }
}
