/**
 * The processes the load benchmark starts, and what /proc says about them. Every child runs in a process
 * group of its own (`setsid`), so stopping it ends whatever it spawned too, and only that; everything
 * started is remembered so that a failure or Ctrl-C stops it all.
 */
import { parseProcStat, parseProcStatus } from "./stats.ts";

/** A child process group and the lines it printed. */
export interface Child {
  name: string;
  pid: number;
  process: Deno.ChildProcess;
  /** Resolves with the first printed line matching `pattern` (rejects if the child exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Called for each line printed on stdout (the load client's phases). */
  onLine?: (line: string) => void;
  output(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`; waits for the exit. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<Deno.CommandStatus>;
}

const running = new Set<Child>();

function signalGroup(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch { /* already gone */ }
}

/** Spawns `cmd args` in its own process group (see the module documentation). */
export function spawnChild(
  name: string,
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: "piped" | "null" } = {},
): Child {
  const process = new Deno.Command("setsid", {
    args: [cmd, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let pending = "";
  const watchers = new Set<() => void>();
  let done = false;
  const child: Child = {
    name,
    pid: process.pid,
    process,
    output: () => text,
    exited: process.status.finally(() => {
      done = true;
      running.delete(child);
      for (const w of watchers) w();
    }),
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) return finish(() => resolve(match));
          if (done) {
            return finish(() => reject(new Error(`${name} exited before printing ${pattern}:\n${tail()}`)));
          }
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${tail()}`))
            ),
          timeoutMs,
        );
        const finish = (then: () => void) => {
          clearTimeout(timer);
          watchers.delete(check);
          then();
        };
        watchers.add(check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      if (!done) signalGroup(process.pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(process.pid, "SIGKILL"), graceMs);
      await child.exited.catch(() => {});
      clearTimeout(timer);
      // Whatever the group leader left behind.
      signalGroup(process.pid, "SIGKILL");
    },
  };
  const tail = () => text.slice(-3000);
  const drain = async (stream: ReadableStream<Uint8Array>, lines: boolean) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const s = decoder.decode(chunk, { stream: true });
      text = (text + s).slice(-200_000);
      if (lines) {
        pending += s;
        let nl;
        while ((nl = pending.indexOf("\n")) !== -1) {
          child.onLine?.(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
      }
      for (const w of watchers) w();
    }
  };
  drain(process.stdout, true).catch(() => {});
  drain(process.stderr, false).catch(() => {});
  running.add(child);
  return child;
}

/** Stops every child still running (failure, Ctrl-C). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop(3000)));
}

/** CPU ticks (utime + stime) of `pids`; a process that is gone counts 0. */
export function cpuTicks(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += parseProcStat(Deno.readTextFileSync(`/proc/${pid}/stat`)).cpuTicks;
    } catch { /* exited */ }
  }
  return sum;
}

/** Milliseconds per clock tick (`CLK_TCK` is 100 on Linux). */
export const MS_PER_TICK = 10;

/** Sum of VmHWM and of VmRSS over `pids`, in KiB. */
export function memoryOf(pids: readonly number[]): { peakRssKiB: number; rssKiB: number } {
  let peak = 0, rss = 0;
  for (const pid of pids) {
    try {
      const s = parseProcStatus(Deno.readTextFileSync(`/proc/${pid}/status`));
      peak += s.peakRssKiB;
      rss += s.rssKiB;
    } catch { /* exited */ }
  }
  return { peakRssKiB: peak, rssKiB: rss };
}

/** The deepest descendants are what run: `setsid` execs, so the group leader is the program itself. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (parseProcStat(Deno.readTextFileSync(`/proc/${entry.name}/stat`)).ppid === pid) {
        out.push(Number(entry.name));
      }
    } catch { /* exited */ }
  }
  return out;
}

/**
 * CPU ticks of the cluster in `dataDir`: its postmaster and live children, plus what its ended
 * children spent (the postmaster's cutime + cstime). A backend that ends between two readings (a
 * pool closing idle connections) still counts, so a window's difference never goes negative.
 */
export function clusterCpuTicks(dataDir: string): number {
  const [master, ...children] = postgresPids(dataDir);
  let sum = cpuTicks(children);
  try {
    const stat = parseProcStat(Deno.readTextFileSync(`/proc/${master}/stat`));
    sum += stat.cpuTicks + stat.childTicks;
  } catch { /* the cluster is gone */ }
  return sum;
}

/** The postmaster of a cluster in `dataDir` and its children (backends, walwriter, …). */
export function postgresPids(dataDir: string): number[] {
  const master = Number(Deno.readTextFileSync(`${dataDir}/postmaster.pid`).split("\n")[0]);
  return [master, ...childrenOf(master)];
}
