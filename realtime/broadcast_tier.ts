/**
 * The tier between isolates of one process (`deno serve --parallel` runs one isolate per core, each
 * with its own sockets). A `BroadcastChannel` delivers to every other channel object of the same
 * name in the process, never back to the sender, so the local tier still serves this isolate.
 *
 * Note for tests: two realtime instances in ONE isolate also reach each other through a channel of
 * the same name; give each test its own `channel` name, or leave this tier out to test another one.
 * An open channel keeps the process alive: `close()` it at shutdown.
 */
import {
  type BusEvent,
  decodeEnvelope,
  encodeEnvelope,
  type PublishedEvent,
} from "../protocol/bus_events.ts";
import type { FanoutTier } from "./tier.ts";

/** Options of {@linkcode BroadcastTier}. */
export interface BroadcastTierOptions {
  /** Channel name shared by the isolates of one deployment. Default `"preau-realtime"`. */
  channel?: string;
  /** This instance's id; envelopes carrying it are ignored (a channel never echoes, this is a safeguard). */
  instanceId: string;
}

/** See the module documentation. */
export class BroadcastTier implements FanoutTier {
  readonly name = "broadcast";
  readonly #channelName: string;
  readonly #instanceId: string;
  #channel: BroadcastChannel | undefined;
  #handlers = new Set<(event: BusEvent) => void>();

  constructor(options: BroadcastTierOptions) {
    this.#channelName = options.channel ?? "preau-realtime";
    this.#instanceId = options.instanceId;
  }

  subscribe(handler: (event: BusEvent) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    this.#open();
    this.#handlers.add(handler);
    signal.addEventListener("abort", () => this.#handlers.delete(handler), { once: true });
    return Promise.resolve();
  }

  publish(event: PublishedEvent): Promise<void> {
    try {
      this.#open().postMessage(encodeEnvelope({ src: this.#instanceId, events: [event] }));
    } catch (error) {
      console.error("realtime: BroadcastChannel publish failed:", error);
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#handlers.clear();
    this.#channel?.close();
    this.#channel = undefined;
    return Promise.resolve();
  }

  #open(): BroadcastChannel {
    if (this.#channel) return this.#channel;
    const channel = new BroadcastChannel(this.#channelName);
    channel.onmessage = (message: MessageEvent) => {
      const envelope = typeof message.data === "string" ? decodeEnvelope(message.data) : null;
      if (envelope === null) {
        console.warn("realtime: ignored a malformed BroadcastChannel message");
        return;
      }
      if (envelope.src === this.#instanceId) return;
      for (const event of envelope.events) {
        for (const handler of this.#handlers) {
          try {
            handler(event);
          } catch (error) {
            console.error("realtime: a BroadcastChannel subscriber threw:", error);
          }
        }
      }
    };
    this.#channel = channel;
    return channel;
  }
}
