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

/** Runs `shutdown` on the first SIGTERM or SIGINT, then exits; a second signal exits at once. */
export function installShutdown(shutdown: Shutdown, opts: ShutdownOptions = {}): void {
  const exit = opts.exit ?? ((code: number) => Deno.exit(code));
  let signalled = false;
  const onSignal = () => {
    if (signalled) return exit(130);
    signalled = true;
    (opts.log ?? console.log)("shutdown: signal received, draining…");
    shutdown.shutdown(opts).then(() => exit(0), () => exit(1));
  };
  for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, onSignal);
}
