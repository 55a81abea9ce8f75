/**
 * Graceful shutdown on SIGTERM/SIGINT: stop accepting connections, let in-flight requests and
 * sends drain, then close what keeps the process alive. Under `deno serve` the process never ends
 * while a BroadcastChannel or database connection is open, so every such resource registers a
 * closer here.
 */
import { withTimeout } from "../util/timeout.ts";

/** Something to close at shutdown; closers run in reverse registration order. */
export type Closer = () => Promise<void> | void;

/** Options for {@linkcode installShutdown}. */
export interface ShutdownOptions {
  /** How long draining may take before the process exits anyway. Default 10 000 ms. */
  timeoutMs?: number;
  /** Called with a human-readable line for each step. Default `console.log`. */
  log?: (line: string) => void;
  /** Ends the process when shutdown completes. Default `Deno.exit`. */
  exit?: (code: number) => void;
}

/** Collects closers and runs them once, on the first SIGTERM/SIGINT or on `shutdown()`. */
export class Shutdown {
  #closers: { name: string; close: Closer }[] = [];
  #controller = new AbortController();
  #done: Promise<void> | undefined;

  /** Aborted as soon as shutdown begins: long-running loops and listeners watch it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether shutdown has begun (readiness probes answer 503 from then on). */
  get stopping(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Registers `close`, run at shutdown after everything registered later. */
  add(name: string, close: Closer): void {
    this.#closers.push({ name, close });
  }

  /** Runs every closer once (later calls return the same promise). */
  shutdown(opts: ShutdownOptions = {}): Promise<void> {
    this.#done ??= this.#run(opts);
    return this.#done;
  }

  async #run({ timeoutMs = 10_000, log = console.log }: ShutdownOptions): Promise<void> {
    this.#controller.abort(new Error("shutting down"));
    const deadline = Date.now() + timeoutMs;
    for (const { name, close } of this.#closers.toReversed()) {
      const left = Math.max(0, deadline - Date.now());
      try {
        await withTimeout(Promise.resolve().then(close), left, { what: `${name} to close` });
        log(`shutdown: closed ${name}`);
      } catch (err) {
        log(`shutdown: closing ${name} failed: ${err instanceof Error ? err.message : err}`);
      }
    }
  }
}

/** Options of {@linkcode installShutdown}. */
export interface InstallShutdownOptions extends ShutdownOptions {
  /**
   * Signals within this long of the first are the same stop request and are ignored: one Ctrl-C
   * under `deno task start` reaches the server twice (the terminal signals the whole process group,
   * and `deno task` forwards its own copy), and a service manager may signal both processes too.
   * A signal after this forces an immediate exit with code 130. Default 1 000 ms.
   */
  repeatGraceMs?: number;
}

/**
 * Runs `shutdown` on the first SIGTERM or SIGINT, then exits 0 (1 if a closer threw). Shutdown is
 * idempotent and the drain always runs to its end: duplicates of the first signal (see
 * `repeatGraceMs`) are ignored; only a later, deliberate signal (a second Ctrl-C) cuts it short.
 */
export function installShutdown(shutdown: Shutdown, opts: InstallShutdownOptions = {}): void {
  const exit = opts.exit ?? ((code: number) => Deno.exit(code));
  const log = opts.log ?? console.log;
  const graceMs = opts.repeatGraceMs ?? 1_000;
  let firstAt: number | undefined;
  const onSignal = (sig: Deno.Signal) => {
    const now = Date.now();
    if (firstAt === undefined) {
      firstAt = now;
      log(`shutdown: ${sig} received, draining (send it again after a second to stop at once)…`);
      shutdown.shutdown(opts).then(() => exit(0), () => exit(1));
    } else if (now - firstAt < graceMs) {
      // The same request delivered twice (process group + `deno task`'s forwarding): keep draining.
    } else {
      log(`shutdown: ${sig} received again, exiting without finishing the drain`);
      exit(130);
    }
  };
  for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, () => onSignal(sig));
}
