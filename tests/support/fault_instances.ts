/**
 * Préau instances for fault tests, each started exactly as the README says (`deno task start` with
 * `DATABASE_URL`, `PREAU_SECRET` and a `PORT`), in a process group of its own (`setsid`), so that a
 * test can do to it what an operator, a crash or a terminal does: `kill -9` the whole group, SIGTERM
 * the server process alone, SIGINT the whole group (Ctrl-C: `deno task` and the server both get it),
 * SIGSTOP/SIGCONT. An instance keeps its port across restarts, so clients that reconnect find it
 * again, and keeps everything it printed across its lives, for the log checks.
 */
import { settlesWithin, sleep } from "../../util/timeout.ts";
import { ROOT } from "./processes.ts";

/** What {@linkcode PreauInstance.start} waits for on stdout. */
const RUNNING = /Préau is running at (http:\/\/[^\s]+)/;

/** Options of {@linkcode PreauInstance}. */
export interface InstanceOptions {
  /** Shown in logs and reports, e.g. "A". */
  name: string;
  /** Environment of the start command (`DATABASE_URL`, `PREAU_SECRET`, …); `PORT` and `HOSTNAME` are added. */
  env: Record<string, string>;
  /** Loopback port kept across restarts. Default: a free one. */
  port?: number;
  /** How long a start may take until `/readyz` answers 200. Default 90 000 ms. */
  startTimeoutMs?: number;
}

/** One life of the instance: the `setsid deno task start` process and its exit. */
interface Life {
  child: Deno.ChildProcess;
  exited: Promise<Deno.CommandStatus>;
  done: boolean;
}

/** See the module documentation. */
export class PreauInstance {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  #env: Record<string, string>;
  #startTimeoutMs: number;
  #life: Life | undefined;
  #log = "";

  constructor(options: InstanceOptions) {
    this.name = options.name;
    this.port = options.port ?? freeLoopbackPort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.#env = options.env;
    this.#startTimeoutMs = options.startTimeoutMs ?? 90_000;
  }

  /** Everything every life of this instance printed (stdout and stderr interleaved as read). */
  get log(): string {
    return this.#log;
  }

  /** Whether a life is running (started and not exited). */
  get running(): boolean {
    return this.#life !== undefined && !this.#life.done;
  }

  /** The process group (and session) id of the current life: the `setsid` process's pid. */
  get groupId(): number {
    if (!this.#life) throw new Error(`instance ${this.name} is not running`);
    return this.#life.child.pid;
  }

  /** Starts a new life and resolves once `/readyz` answers 200. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`instance ${this.name} is already running`);
    const child = new Deno.Command("setsid", {
      args: [Deno.execPath(), "task", "start"],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...this.#env, PORT: String(this.port), HOSTNAME: "127.0.0.1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = () => new TextDecoder();
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      const d = decoder();
      for await (const chunk of stream) this.#log += d.decode(chunk, { stream: true });
    };
    const drained = Promise.all([drain(child.stdout), drain(child.stderr)]).catch(() => {});
    const life: Life = { child, done: false, exited: undefined as unknown as Promise<Deno.CommandStatus> };
    life.exited = child.status.then(async (status) => {
      await drained;
      life.done = true;
      return status;
    });
    this.#life = life;
    const startedAt = this.#log.length;
    const deadline = Date.now() + this.#startTimeoutMs;
    while (!RUNNING.test(this.#log.slice(startedAt))) {
      signal?.throwIfAborted();
      if (life.done || Date.now() > deadline) {
        await this.kill();
        throw new Error(`instance ${this.name} did not start; it printed:\n${this.#log.slice(startedAt)}`);
      }
      await sleep(50, signal);
    }
    while (!(await this.ready())) {
      signal?.throwIfAborted();
      if (life.done || Date.now() > deadline) {
        await this.kill();
        throw new Error(`instance ${this.name}: /readyz never answered 200:\n${this.#log.slice(startedAt)}`);
      }
      await sleep(100, signal);
    }
  }

  /** Whether `/readyz` answers 200 now (within 2 s). */
  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** The pid of the server process itself (`deno run … main.ts`, a child of `deno task`). */
  serverPid(): number {
    const group = this.groupId;
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(fields[2]) !== group) continue; // fields[2] is the process group id
        const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
        if (cmdline.includes("main.ts")) return Number(entry.name);
      } catch { /* the process ended while we looked */ }
    }
    throw new Error(`instance ${this.name}: no main.ts process in process group ${group}`);
  }

  /** Sends `signal` to every process of the group (Ctrl-C in a terminal, `kill -9 -<pgid>`). */
  signalGroup(signal: Deno.Signal): void {
    Deno.kill(-this.groupId, signal);
  }

  /** Sends `signal` to the server process alone (a service manager's stop). */
  signalServer(signal: Deno.Signal): void {
    Deno.kill(this.serverPid(), signal);
  }

  /** Resolves with the exit status of the current life, or undefined after `ms`. */
  async exited(ms: number): Promise<Deno.CommandStatus | undefined> {
    const life = this.#life;
    if (!life) return undefined;
    return await settlesWithin(life.exited, ms) ? await life.exited : undefined;
  }

  /** `kill -9` of the whole group; resolves once it is gone. Does nothing when not running. */
  async kill(): Promise<void> {
    const life = this.#life;
    if (!life || life.done) return;
    try {
      Deno.kill(-life.child.pid, "SIGKILL");
    } catch { /* already gone */ }
    await life.exited;
  }

  /** SIGTERM to the server process, then waits for the group to end (SIGKILL after `ms`). */
  async stop(ms = 15_000): Promise<Deno.CommandStatus | undefined> {
    const life = this.#life;
    if (!life || life.done) return undefined;
    try {
      this.signalServer("SIGTERM");
    } catch { /* no server process left */ }
    const status = await this.exited(ms);
    if (status) return status;
    await this.kill();
    return undefined;
  }
}

/** A loopback port nobody listens on right now. */
export function freeLoopbackPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Established TCP connections whose local port is one of `ports` (the server side of every socket
 * and keep-alive connection of those instances), from `/proc/net/tcp` and `/proc/net/tcp6`.
 */
export function establishedConnections(ports: readonly number[]): number {
  const wanted = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, "0")));
  let count = 0;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      // State 01 is ESTABLISHED.
      if (local && fields[3] === "01" && wanted.has(local.slice(local.lastIndexOf(":") + 1))) count++;
    }
  }
  return count;
}
