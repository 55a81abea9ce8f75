/**
 * `deno task bench` (full, about 15 minutes) and `BENCH_QUICK=1 deno task bench` (under 3 minutes): the
 * load benchmark. Starts a throwaway PostgreSQL cluster (tests/support/postgres_cluster.ts), the systems
 * under test as separate processes on loopback (bench/load/systems.ts), and for each scenario runs the
 * open-loop load client (bench/peers/load_client.ts, a process of its own) against every system in
 * interleaved rounds (A, B, C, D, then again); the report keeps medians. Results go to
 * `bench/results/<date>.json` (a full run also to `bench/results/latest.json`, from which
 * `bench/load/report.ts` generates docs/performance.md). Everything started is stopped on exit, on failure
 * and on Ctrl-C, by process group.
 */
import { findPostgresBinDir, startPostgresCluster } from "../../tests/support/postgres_cluster.ts";
import { createPostgresDatabase } from "../../db/postgres_adapter.ts";
import {
  addBenchMessages,
  analyzeBenchWorld,
  makeBenchConversations,
  makeBenchUsers,
} from "../../db/bench_world.ts";
import { makeEstablishment } from "../../db/factories.ts";
import type { Database } from "../../db/types.ts";
import type { LoadSpec, SystemName } from "../peers/load_spec.ts";
import { stopAllChildren } from "./procs.ts";
import { type Measure, runLoad } from "./run_load.ts";
import { classes, FULL, loadScenarios, QUICK, rooms, type Sizes } from "./scenarios.ts";
import {
  cookieFor,
  createDatabase,
  installPeers,
  materialize,
  ROOT,
  type StartOptions,
  startSystem,
  type System,
  type Topology,
} from "./systems.ts";
import { median } from "./stats.ts";
import { renderReport } from "./report.ts";
import type { BenchResults, ListMeasure, StepResult } from "./results.ts";

const quick = Deno.env.get("BENCH_QUICK") === "1";
const sizes: Sizes = quick ? QUICK : FULL;
/** `BENCH_ONLY=id,id`: only these scenarios (while developing; ids as in the results JSON). */
const only = Deno.env.get("BENCH_ONLY")?.split(",").map((s) => s.trim()).filter((s) => s !== "");
const wanted = (id: string) => !only || only.includes(id);
/** `BENCH_SYSTEMS=preau,pgnotify`: only these systems (while developing; the report needs them all). */
const onlySystems = Deno.env.get("BENCH_SYSTEMS")?.split(",").map((s) => s.trim()).filter((s) => s !== "");
const runs = (names: SystemName[]) => names.filter((n) => !onlySystems || onlySystems.includes(n));
const began = Date.now();
/** Past the budget, later scenarios run one round (so that a full run finishes in time on a busy machine). */
const overBudget = (extraMinutes = 0) => Date.now() - began > (sizes.budgetMinutes + extraMinutes) * 60_000;
const log = (text: string) =>
  console.log(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${text}`);

let cleanup: (() => Promise<void>) | undefined;
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    interrupted = true;
    console.error(`\nbench: ${signal}, stopping everything it started`);
    await cleanup?.().catch(() => {});
    Deno.exit(130);
  });
}

function workersFor(clients: number, rate: number): number {
  return clients > 600 || rate > 2000 ? 2 : 1;
}

function specFor(sys: System, clients: LoadSpec["clients"], topo: Topology, roomIds: string[], o: {
  rate: number;
  durationMs: number;
  drainMs: number;
  holdMs?: number;
  missed?: number;
  pad?: number;
}): LoadSpec {
  return {
    system: sys.name,
    urls: sys.urls,
    clients,
    rate: o.rate,
    durationMs: o.durationMs,
    drainMs: o.drainMs,
    senders: topo.senders.map((s) => ({ client: s.client, room: roomIds[s.room]! })),
    connectConcurrency: 64,
    workers: workersFor(clients.length, o.rate),
    pad: o.pad,
    ...(o.holdMs !== undefined ? { holdMs: o.holdMs } : {}),
    ...(o.missed !== undefined ? { resync: { missed: o.missed } } : {}),
  };
}

function brief(m: Measure): string {
  const ms = (v: number | null) => (v === null ? "–" : v.toFixed(1));
  return `${m.deliveriesPerSec.toFixed(0)} deliveries/s, p50 ${ms(m.latencyMs.p50)} p99 ${
    ms(m.latencyMs.p99)
  } ms, ` +
    `sent ${m.sent}, acked ${m.acked}, lost ${m.lost}/${m.expected}, refused ${m.refused}, stored ${
      m.stored ?? "–"
    }, cpu ${m.serverCpuMs} ms, pg ${m.pgCpuMs ?? "–"} ms, peak ${m.peakRssMiB.toFixed(0)} MiB` +
    (m.rssPerSocketKiB !== undefined ? `, ${m.rssPerSocketKiB.toFixed(1)} KiB/socket` : "") +
    (m.resyncMs !== undefined
      ? `, resync ${m.resyncMs.toFixed(0)} ms (${m.resyncIncomplete} incomplete)`
      : "") +
    (m.connectFailures ? `, ${m.connectFailures} connect failures` : "") +
    (Object.keys(m.closes).length ? `, closes ${JSON.stringify(m.closes)}` : "");
}

async function main(): Promise<void> {
  await installPeers();
  const tmpDir = await Deno.makeTempDir({ prefix: "preau-bench-" });
  log("starting PostgreSQL");
  const cluster = await startPostgresCluster();
  const running = new Set<System>();
  let preauDb: Database | undefined;
  cleanup = async () => {
    await Promise.all([...running].map((s) => s.stop().catch(() => {})));
    await stopAllChildren();
    await preauDb?.close().catch(() => {});
    await cluster.stop().catch(() => {});
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  };
  const dbUrls: Record<string, string> = {
    preau: await createDatabase(cluster.url, "preau_bench"),
    pgnotify: await createDatabase(cluster.url, "peers_pg"),
    socketio: await createDatabase(cluster.url, "peers_sio"),
  };
  const pgDataDir = `${cluster.dir}/data`;
  const start = async (names: SystemName[], options: StartOptions = {}) => {
    const out: System[] = [];
    for (const name of names) {
      const sys = await startSystem(name, dbUrls, tmpDir, options);
      running.add(sys);
      out.push(sys);
      if (name === "preau") preauDb ??= createPostgresDatabase(dbUrls.preau!, { poolSize: 4 });
    }
    return out;
  };
  const stop = async (systems: System[]) => {
    for (const s of systems) {
      running.delete(s);
      await s.stop();
    }
  };
  const results: BenchResults = {
    quick,
    date: new Date().toISOString(),
    machine: await machine(),
    sizes,
    scenarios: [],
    steps: [],
  };
  let tag = 0;

  for (const sc of loadScenarios(sizes).filter((s) => wanted(s.id))) {
    log(`scenario ${sc.title}`);
    const names = runs(sc.systems);
    const systems = sc.freshEachRound ? [] : await start(names);
    const rounds: Record<string, Measure[]> = {};
    if (sizes.warmupMs > 0 && (sc.kind === "deliveries" || sc.kind === "writes") && !sc.freshEachRound) {
      for (const sys of systems) {
        const world = await materialize(sys.name, sc.topology, preauDb, `${sc.id.slice(0, 8)}${++tag}`);
        const spec = specFor(sys, world.clients, sc.topology, world.roomIds, {
          ...sc,
          durationMs: sizes.warmupMs,
        });
        const m = await runLoad(sys, spec, { pgDataDir, tmpDir, settleMs: sizes.settleMs });
        log(`  warm-up ${sys.name} (not counted): ${brief(m)}`);
      }
    }
    for (let round = 1; round <= sizes.rounds; round++) {
      if (round > 1 && overBudget()) {
        log(`  over the time budget (${sizes.budgetMinutes} min): no more rounds of this scenario`);
        break;
      }
      for (const [k, name] of names.entries()) {
        const sys = sc.freshEachRound ? (await start([name], { collectable: true }))[0]! : systems[k]!;
        const world = await materialize(sys.name, sc.topology, preauDb, `${sc.id.slice(0, 8)}${++tag}`);
        const spec = specFor(sys, world.clients, sc.topology, world.roomIds, sc);
        const m = await runLoad(sys, spec, {
          pgDataDir,
          tmpDir,
          settleMs: sizes.settleMs,
          whileDisconnected: sc.missed && sys.name === "preau"
            ? () => addBenchMessages(preauDb!, { conversationIds: world.roomIds, count: sc.missed! })
            : undefined,
        });
        (rounds[sys.name] ??= []).push(m);
        log(`  round ${round} ${sys.name}: ${brief(m)}`);
        if (sc.freshEachRound) await stop([sys]);
      }
    }
    await stop(systems);
    results.scenarios.push({
      id: sc.id,
      title: sc.title,
      kind: sc.kind,
      note: sc.note,
      rate: sc.rate,
      rounds,
    });
  }

  // One slow consumer among 100 receivers (Préau only): the others must not notice, memory stays bounded.
  if (wanted("slow_consumer")) {
    log("scenario one slow consumer among 100 receivers (Préau)");
    const [sys] = await start(["preau"]);
    const base = rooms(1, 100, 100);
    const withSlow: Topology = {
      ...base,
      clients: [...base.clients, { rooms: [0], counted: false, slow: true }],
    };
    const rounds: Record<string, Measure[]> = {};
    for (const [label, topo] of [["preau_alone", base], ["preau", withSlow]] as const) {
      const world = await materialize("preau", topo, preauDb, `slow${++tag}`);
      const m = await runLoad(
        sys!,
        specFor(sys!, world.clients, topo, world.roomIds, {
          rate: 100,
          durationMs: sizes.durationMs + 4000,
          drainMs: sizes.drainMs,
          pad: 3000,
        }),
        { pgDataDir, tmpDir, settleMs: sizes.settleMs },
      );
      rounds[label] = [m];
      log(`  ${label}: ${brief(m)}`);
    }
    await stop([sys!]);
    results.scenarios.push({
      id: "slow_consumer",
      title: "one slow consumer among 100 receivers, 100 msg/s of 3 KB",
      kind: "slow",
      rate: 100,
      rounds,
      note:
        "`preau_alone` is the same run without the slow socket; the slow one reads nothing after its upgrade.",
    });
  }

  // 200 classes of 25 and one announcement conversation, stepping the rate until p99 > 250 ms or a loss.
  if (wanted("classes_step")) {
    log(`scenario ${sizes.classes} classes of 25 + announcement of ${sizes.announcementMembers}, stepping`);
    const systems = await start(["preau", "bare", "pgnotify", "socketio"]);
    for (const sys of systems) {
      const step: StepResult = { system: sys.name, steps: [], sustained: null };
      for (const rate of sizes.steps) {
        // Stepping has four minutes of its own past the budget (it comes after the rounds that used it).
        if (overBudget(4) && step.steps.length > 0) {
          log(`  over the time budget (${sizes.budgetMinutes + 4} min): no more steps`);
          break;
        }
        const topo = classes(sizes.classes, 25, sizes.announcementMembers, rate);
        const world = await materialize(sys.name, topo, preauDb, `cls${++tag}`);
        const m = await runLoad(
          sys,
          specFor(sys, world.clients, topo, world.roomIds, {
            rate,
            durationMs: sizes.stepMs,
            drainMs: sizes.drainMs,
          }),
          { pgDataDir, tmpDir, settleMs: sizes.settleMs },
        );
        step.steps.push({ rate, measure: m });
        log(`  ${sys.name} at ${rate}/s: ${brief(m)}`);
        const ok = m.lost === 0 && m.refused === 0 && (m.latencyMs.p99 ?? Infinity) <= 250;
        if (!ok) break;
        step.sustained = rate;
      }
      results.steps.push(step);
    }
    await stop(systems);
  }

  // The conversation list of a person with 1,000 conversations (Préau only).
  if (wanted("conversation_list")) {
    log(`scenario conversation list of a person with ${sizes.listConversations} conversations (Préau)`);
    const [sys] = await start(["preau"]);
    results.list = await conversationList(sys!, preauDb!, sizes.listConversations);
    log(`  ${JSON.stringify(results.list)}`);
    await stop([sys!]);
  }

  const stamp = results.date.replace(/[:.]/g, "-");
  const dir = `${ROOT}bench/results`;
  await Deno.mkdir(dir, { recursive: true });
  const file = `${dir}/${quick ? "quick-" : ""}${stamp}.json`;
  await Deno.writeTextFile(file, JSON.stringify(results, null, 1) + "\n");
  log(`results: ${file}`);
  // Only a whole full run may stand for the project's figures.
  if (!quick && !only && !onlySystems) {
    await Deno.writeTextFile(`${dir}/latest.json`, JSON.stringify(results, null, 1) + "\n");
    await Deno.writeTextFile(`${ROOT}docs/performance.md`, renderReport(results));
    log("docs/performance.md generated from bench/results/latest.json");
  } else {
    console.log(renderReport(results));
  }
}

/** Server time of the first page of the list, the JSON API, and the messagerie page render. */
async function conversationList(sys: System, db: Database, count: number): Promise<ListMeasure> {
  const school = await makeEstablishment(db);
  const [me, ...others] = await makeBenchUsers(db, {
    establishmentId: school.id,
    count: count + 1,
    role: "teacher",
    tag: `list${Date.now()}`,
  });
  const ids = await makeBenchConversations(db, {
    establishmentId: school.id,
    groups: others.map((o) => [o, me!]),
    title: "Liste",
  });
  await addBenchMessages(db, { conversationIds: ids, count: 1 });
  // A read-time measure taken after the write-heavy scenarios: vacuumed as a live database is.
  await analyzeBenchWorld(db, { vacuum: true });
  const cookie = await cookieFor(db, me!);
  const url = sys.urls[0]!;
  const time = async (path: string) => {
    const samples: number[] = [];
    let bytes = 0, status = 0;
    // A warm server: each of the pool's ten connections has run the request's statements more than
    // five times, so PostgreSQL plans them once (a generic plan) instead of on every call.
    const warmups = quick ? 30 : 60, runs = warmups + (quick ? 5 : 20);
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const response = await fetch(`${url}${path}`, {
        headers: { cookie, accept: "text/html,application/json" },
      });
      const body = await response.arrayBuffer();
      const ms = performance.now() - t0;
      if (i >= warmups) samples.push(ms);
      bytes = body.byteLength;
      status = response.status;
    }
    return { path, status, ms: median(samples), bytes };
  };
  const api = await time(`/api/conversations?establishmentId=${school.id}`);
  let page = await time(`/fr/admin/messagerie`);
  if (page.status !== 200) page = await time(`/fr/parents/messagerie`);
  return { conversations: count, api, page };
}

async function machine(): Promise<BenchResults["machine"]> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const nproc = await new Deno.Command("nproc", { stdout: "piped" }).output().then(
    (o) => Number(new TextDecoder().decode(o.stdout).trim()),
    () => navigator.hardwareConcurrency,
  );
  return {
    nproc,
    cpu: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown",
    ramGiB: Math.round(Number(meminfo.match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0) / 1024 / 1024 * 10) / 10,
    deno: Deno.version.deno,
    postgres: findPostgresBinDir().split("/").at(-2) ?? "unknown",
  };
}

try {
  await main();
  await cleanup?.();
  Deno.exit(0);
} catch (error) {
  // After Ctrl-C the cluster stops under the run's feet; that is no failure to report.
  if (interrupted) await new Promise((r) => setTimeout(r, 60_000)); // the signal handler exits
  console.error("bench failed:", error);
  await cleanup?.().catch(() => {});
  Deno.exit(1);
}
