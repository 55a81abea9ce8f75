/**
 * Argon2id off the event loop. One hash costs 19 MiB and tens of milliseconds of CPU; computed on the
 * server's own thread, ten concurrent logins kept every other user's socket waiting for hundreds of
 * milliseconds. {@linkcode Argon2Pool} runs hashes in a few Deno Workers instead, one at a time per
 * worker, with a bounded queue: past `maxQueued` waiting hashes a login is refused at once
 * (`429 rate_limited`, retry in a second) rather than piling up memory and latency.
 *
 * Workers start on demand and stop after `idleMs` without work, so an idle process holds none and
 * nothing needs closing on shutdown (`close()` stops them at once, for tests and benches).
 */
import { argon2id } from "hash-wasm";
import { rateLimited } from "./errors.ts";

/** What one Argon2id computation needs; the password is already normalised. */
export interface Argon2Params {
  password: string;
  salt: Uint8Array;
  memorySize: number;
  iterations: number;
  parallelism: number;
  hashLength: number;
}

/** Computes a raw Argon2id hash. */
export type Argon2 = (params: Argon2Params) => Promise<Uint8Array>;

/** On the calling thread: for scripts (seeding) and tests, never for request handling. */
export const argon2InProcess: Argon2 = (params) => argon2id({ ...params, outputType: "binary" });

/** Options of {@linkcode Argon2Pool}. */
export interface Argon2PoolOptions {
  /** Workers, i.e. hashes computed at once. Default: half the cores, at least 1, at most 4. */
  workers?: number;
  /** Hashes waiting for a worker; one more is refused with `rate_limited`. Default 64. */
  maxQueued?: number;
  /** A worker without work for this long is stopped. Default 10 000 ms. */
  idleMs?: number;
}

interface Job {
  params: Argon2Params;
  resolve(hash: Uint8Array): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  idle: ReturnType<typeof setTimeout> | undefined;
}

let nextJobId = 0;
let shared: Argon2Pool | undefined;

/**
 * The process's pool, created on first use with the defaults. Cores are a per-process resource, so
 * every auth service of the process (several app instances in one test process, say) shares it.
 */
export function sharedArgon2Pool(): Argon2Pool {
  return shared ??= new Argon2Pool();
}

/** See the module documentation. */
export class Argon2Pool {
  readonly workers: number;
  readonly maxQueued: number;
  readonly #idleMs: number;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #closed = false;

  constructor(options: Argon2PoolOptions = {}) {
    const cores = navigator.hardwareConcurrency || 1;
    this.workers = Math.max(1, options.workers ?? Math.min(4, Math.floor(cores / 2)));
    this.maxQueued = Math.max(0, options.maxQueued ?? 64);
    this.#idleMs = options.idleMs ?? 10_000;
  }

  /** Hashes waiting for a worker, and workers running (for tests and metrics). */
  get stats(): { queued: number; running: number; workers: number } {
    const running = [...this.#slots].filter((slot) => slot.job !== undefined).length;
    return { queued: this.#queue.length, running, workers: this.#slots.size };
  }

  /** The pool as an {@linkcode Argon2} function. */
  readonly argon2: Argon2 = (params) => this.run(params);

  /** Computes one hash in a worker; throws `rate_limited` when the queue is full. */
  run(params: Argon2Params): Promise<Uint8Array> {
    if (this.#closed) {
      return Promise.reject(new Error("Argon2Pool: closed; hashes can no longer be computed"));
    }
    // Jobs wait in the queue only while every worker is busy.
    if (this.#queue.length >= this.maxQueued) {
      return Promise.reject(
        rateLimited(1, "Many people are signing in at this moment; try again in a few seconds."),
      );
    }
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    this.#queue.push({ params, resolve, reject });
    this.#dispatch();
    return promise;
  }

  /** Stops every worker; queued and running hashes fail. */
  close(): void {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error("Argon2Pool: closed"));
    for (const slot of [...this.#slots]) this.#stop(slot, new Error("Argon2Pool: closed"));
  }

  #freeSlot(): Slot | undefined {
    for (const slot of this.#slots) if (slot.job === undefined) return slot;
    return undefined;
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = this.#freeSlot();
      if (slot === undefined) {
        if (this.#slots.size >= this.workers) return;
        slot = this.#start();
      }
      const job = this.#queue.shift()!;
      clearTimeout(slot.idle);
      slot.idle = undefined;
      slot.job = job;
      slot.worker.postMessage({ id: ++nextJobId, params: job.params });
    }
  }

  #start(): Slot {
    const worker = new Worker(new URL("./argon2_worker.ts", import.meta.url), { type: "module" });
    const slot: Slot = { worker, job: undefined, idle: undefined };
    worker.onmessage = (event: MessageEvent<{ hash?: Uint8Array; error?: string }>) => {
      const job = slot.job;
      slot.job = undefined;
      if (event.data.hash) job?.resolve(event.data.hash);
      else job?.reject(new Error(`Argon2 failed: ${event.data.error}`));
      this.#dispatch();
      if (slot.job === undefined && this.#slots.has(slot)) {
        slot.idle = setTimeout(() => this.#stop(slot), this.#idleMs);
        Deno.unrefTimer(slot.idle);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      // A crashed worker is replaced by the next dispatch; only its own hash fails.
      this.#stop(slot, new Error(`Argon2 worker crashed: ${event.message}`));
      this.#dispatch();
    };
    this.#slots.add(slot);
    return slot;
  }

  #stop(slot: Slot, error?: Error): void {
    if (!this.#slots.delete(slot)) return;
    clearTimeout(slot.idle);
    slot.worker.terminate();
    slot.job?.reject(error ?? new Error("Argon2Pool: worker stopped"));
    slot.job = undefined;
  }
}
