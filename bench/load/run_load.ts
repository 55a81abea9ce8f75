/**
 * One load run: starts the load client (its own process, bench/peers/load_client.ts) against a running
 * system, samples the servers' and PostgreSQL's CPU around the send window and their memory, and turns
 * the client's counts into the figures of a scenario.
 */
import { clusterCpuTicks, cpuTicks, memoryOf, MS_PER_TICK, postgresPids, spawnChild } from "./procs.ts";
import { type LatencySummary, summarize } from "./stats.ts";
import { PEERS, type System } from "./systems.ts";
import type { LoadResult, LoadSpec } from "../peers/load_spec.ts";

const DENO = Deno.execPath();

/** What a scenario reports for one system in one round. */
export interface Measure {
  deliveriesPerSec: number;
  latencyMs: LatencySummary;
  /** From the scheduled send to the sender's acknowledgement (the bare server never acknowledges). */
  ackLatencyMs?: LatencySummary;
  sent: number;
  acked: number;
  refused: number;
  expected: number;
  received: number;
  lost: number;
  stored: number | null;
  storedPerSec: number | null;
  serverCpuMs: number;
  cpuMsPer1kDeliveries: number | null;
  pgCpuMs: number | null;
  peakRssMiB: number;
  /** Idle mode: resident memory added per socket, KiB. */
  rssPerSocketKiB?: number;
  resyncMs?: number;
  resyncIncomplete?: number;
  connectFailures: number;
  closes: Record<string, number>;
}

export interface RunContext {
  pgDataDir: string;
  tmpDir: string;
  /** Longest wait, after a run, for the system to go quiet before the next one. Default 20 000 ms. */
  settleMs?: number;
  /** Resync mode: stores the missed messages while every client is away. */
  whileDisconnected?: () => Promise<void>;
}

/**
 * The servers' RSS (KiB) after `settleMs` and two full collections (SIGUSR2, for servers started
 * `collectable`: see gc_on_signal.ts), each given a moment to finish.
 */
async function liveRss(pids: readonly number[], settleMs: number): Promise<number> {
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await pause(settleMs);
  // Twice: what the first collection's finalizers released is collected by the second.
  for (let i = 0; i < 2; i++) {
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGUSR2");
      } catch { /* gone: its RSS reads as 0 */ }
    }
    await pause(750);
  }
  return memoryOf(pids).rssKiB;
}

export async function runLoad(sys: System, spec: LoadSpec, ctx: RunContext): Promise<Measure> {
  const id = crypto.randomUUID().slice(0, 8);
  const specPath = `${ctx.tmpDir}/spec-${id}.json`;
  const outPath = `${ctx.tmpDir}/result-${id}.json`;
  await Deno.writeTextFile(specPath, JSON.stringify(spec));
  const pg = () => (sys.name === "bare" ? [] : postgresPids(ctx.pgDataDir));
  const pgTicks = () => (sys.name === "bare" ? 0 : clusterCpuTicks(ctx.pgDataDir));
  let cpu0 = 0, cpu1 = 0, pg0 = 0, pg1 = 0, stored0: number | null = null, stored1: number | null = null;
  // Idle mode: RSS with the first half of the sockets open, then with all of them (see `LoadSpec.holdMs`).
  let rssHalf = 0, rssHeld = 0;
  const go = async () => {
    const writer = client.process.stdin.getWriter();
    await writer.write(new TextEncoder().encode("GO\n"));
    writer.releaseLock();
  };
  const steps: Promise<void>[] = [];
  const client = spawnChild(`load-${sys.name}`, DENO, [
    "run",
    "-A",
    "--config",
    `${PEERS}/deno.json`,
    `${PEERS}/load_client.ts`,
    specPath,
    outPath,
  ], { cwd: PEERS, stdin: spec.resync || spec.holdMs !== undefined ? "piped" : "null" });
  client.onLine = (line) => {
    if (line.startsWith("START")) {
      cpu0 = cpuTicks(sys.pids);
      pg0 = pgTicks();
      steps.push(sys.stored().then((n) => void (stored0 = n)));
      if (spec.holdMs !== undefined) {
        steps.push(liveRss(sys.pids, spec.holdMs / 2).then((kiB) => void (rssHeld = kiB)));
      }
    } else if (line.startsWith("STOP")) {
      cpu1 = cpuTicks(sys.pids);
      pg1 = pgTicks();
    } else if (line.startsWith("HALF")) {
      steps.push(
        liveRss(sys.pids, spec.holdMs! / 2).then((kiB) => {
          rssHalf = kiB;
          return go();
        }),
      );
    } else if (line.startsWith("DISCONNECTED")) {
      steps.push((async () => {
        cpu0 = cpuTicks(sys.pids);
        pg0 = pgTicks();
        await ctx.whileDisconnected?.();
        await go();
      })());
    }
  };
  const limitMs = spec.durationMs + spec.drainMs + (spec.holdMs ?? 0) + 180_000;
  const timer = setTimeout(() => client.stop(1000), limitMs);
  const status = await client.exited;
  clearTimeout(timer);
  await Promise.all(steps);
  if (!status.success) {
    throw new Error(
      `load client for ${sys.name} failed (exit ${status.code}):\n${client.output().slice(-3000)}`,
    );
  }
  if (spec.resync) {
    cpu1 = cpuTicks(sys.pids);
    pg1 = pgTicks();
  }
  stored1 = await sys.stored();
  // A system that fell behind keeps working after the client left; the next run must not share the CPU with it.
  await settle([...sys.pids, ...pg()], ctx.settleMs ?? 20_000);
  const r = JSON.parse(await Deno.readTextFile(outPath)) as LoadResult;
  await Deno.remove(specPath).catch(() => {});
  await Deno.remove(outPath).catch(() => {});
  const seconds = spec.durationMs / 1000;
  const serverCpuMs = (cpu1 - cpu0) * MS_PER_TICK;
  const stored = stored0 === null || stored1 === null ? null : stored1 - stored0;
  const clients = spec.clients.length;
  return {
    deliveriesPerSec: seconds > 0 ? r.received / seconds : 0,
    latencyMs: summarize(r.latency),
    ackLatencyMs: summarize(r.ackLatency),
    sent: r.sent,
    acked: r.acked,
    refused: r.refused,
    expected: r.expected,
    received: r.received,
    lost: Math.max(0, r.expected - r.received),
    stored,
    storedPerSec: stored === null || seconds === 0 ? null : stored / seconds,
    serverCpuMs,
    cpuMsPer1kDeliveries: r.received > 0 ? serverCpuMs / (r.received / 1000) : null,
    pgCpuMs: sys.name === "bare" ? null : (pg1 - pg0) * MS_PER_TICK,
    peakRssMiB: memoryOf(sys.pids).peakRssKiB / 1024,
    ...(spec.holdMs !== undefined
      ? { rssPerSocketKiB: (rssHeld - rssHalf) / Math.max(1, clients - Math.floor(clients / 2)) }
      : {}),
    ...(r.resyncMs !== undefined ? { resyncMs: r.resyncMs, resyncIncomplete: r.resyncIncomplete } : {}),
    connectFailures: r.connectFailures,
    closes: r.closes,
  };
}

/** Waits until `pids` use under 10 % of a core over half a second, or `maxMs` passed. */
async function settle(pids: number[], maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const before = cpuTicks(pids);
    await new Promise((r) => setTimeout(r, 500));
    if (cpuTicks(pids) - before <= 5) return;
  }
}
