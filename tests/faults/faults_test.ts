/**
 * The fault suite (issue 15): under background load (about 200 sockets on two instances, 20
 * conversations, 50 messages per second plus typing), each fault is applied to a real deployment —
 * two `deno task start` processes on a throw-away PostgreSQL — and the invariant checker
 * (`tests/support/fault_invariants.ts`) compares what every scripted client saw with the database:
 * nothing acknowledged lost, nothing duplicated, misordered or leaked, no 5xx, no stack trace,
 * sockets and connections back to their baseline, live delivery resumed. One world is shared by
 * every test of this module (a fault restarts what it killed); each test reports its recovery time
 * and delivery p50/p99 before and after, and records them for docs/reliability.md.
 */
import { RawWsClient } from "../support/ws_client.ts";
import { api } from "../support/server.ts";
import { findPostgresBinDir } from "../support/postgres_cluster.ts";
import { type Cut, lastSeqs } from "../support/fault_invariants.ts";
import { runScenario } from "../support/fault_scenario.ts";
import { FaultWorld } from "../support/fault_world.ts";
import { sleep } from "../../util/timeout.ts";
import { type ScenarioId, SCENARIOS } from "./scenarios.ts";
import { badInputsScenario } from "./bad_inputs.ts";

/** Without PostgreSQL server binaries the suite cannot run; CI must have them (like `[postgres]` tests). */
function missingBinaries(): boolean {
  try {
    findPostgresBinDir();
    return false;
  } catch {
    return !Deno.env.get("CI");
  }
}

let world: Promise<FaultWorld> | undefined;
const theWorld = () => world ??= FaultWorld.create();

Deno.test.afterAll(async () => {
  const opened = world;
  world = undefined;
  await (await opened?.catch(() => undefined))?.close();
});

/** Registers the test of scenario `id`: "faults - <description>". */
function faultTest(id: ScenarioId, fn: (world: FaultWorld) => Promise<void>): void {
  Deno.test({
    name: `faults - ${
      SCENARIOS[id].replaceAll("`", "")
    }: nothing acked is lost, duplicated, misordered or leaked`,
    ignore: missingBinaries(),
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => fn(await theWorld()),
  });
}

faultTest("kill9", async (world) => {
  const [a] = world.instances;
  await runScenario(world, "kill9", {
    fault: async () => {
      await a.kill();
    },
    restore: () => a.start(),
  });
});

faultTest("pg_restart_fast", async (world) => {
  await runScenario(world, "pg_restart_fast", {
    fault: () => world.cluster.restart("fast"),
  });
});

faultTest("pg_restart_immediate", async (world) => {
  await runScenario(world, "pg_restart_immediate", {
    fault: () => world.cluster.restart("immediate"),
  });
});

/** Terminates the backends chosen by `where` (over pg_stat_activity of the world's database); returns how many. */
async function terminate(world: FaultWorld, where: string): Promise<number> {
  const rows = await world.query<{ n: number }>(
    `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
     where datname = current_database() and backend_type = 'client backend'
     and application_name <> 'fault-harness' and pid <> pg_backend_pid() and ${where}`,
  );
  return rows[0]?.n ?? 0;
}

/** Waits until every running instance holds a LISTEN connection again. */
async function listening(world: FaultWorld): Promise<void> {
  const running = world.instances.filter((i) => i.running).length;
  await world.waitFor(
    async () => {
      const rows = await world.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
      );
      return rows[0]?.n === running;
    },
    15_000,
    `${running} LISTEN connections`,
  );
}

faultTest("listen_terminated", async (world) => {
  await runScenario(world, "listen_terminated", {
    fault: async () => {
      const notes: string[] = [];
      for (let round = 1; round <= 5; round++) {
        const killed = await terminate(world, "query ilike 'listen%'");
        notes.push(`round ${round}: ${killed} LISTEN connection(s) terminated`);
        await listening(world);
      }
      return { notes };
    },
  });
});

faultTest("pool_terminated", async (world) => {
  await runScenario(world, "pool_terminated", {
    fault: async () => {
      const killed = await terminate(world, "query not ilike 'listen%'");
      return { notes: [`${killed} pool connection(s) terminated`] };
    },
  });
});

faultTest("sigstop", async (world) => {
  const [a] = world.instances;
  await runScenario(world, "sigstop", {
    // Measured from the freeze. The clients must move within 12 s (checked below); delivery to every
    // member of every conversation follows, at the latest 5 s after the instance thaws.
    recoverDuringFault: true,
    maxRecoveryMs: 20_000,
    fault: async () => {
      const frozen = world.clients.filter((c) => c.instance === a.url);
      const stoppedAt = Date.now();
      a.signalGroup("SIGSTOP");
      let movedMs: number | undefined;
      const moved = world.waitFor(
        () => frozen.every((c) => c.instance !== undefined && c.instance !== a.url),
        15_000,
        "the frozen instance's clients on the other one",
      ).then(() => movedMs = Date.now() - stoppedAt, () => {});
      try {
        await sleep(15_000); // the fault's own duration (issue 15)
      } finally {
        a.signalGroup("SIGCONT");
      }
      await moved;
      // Clients notice a frozen server within 10 s (heartbeat) and move; 2 s more for a loaded machine.
      const violations = movedMs !== undefined && movedMs <= 12_000 ? [] : [
        `the frozen instance's ${frozen.length} clients were not all on the other one within 12 s (${movedMs} ms)`,
      ];
      return {
        violations,
        notes: [`${frozen.length} clients of the frozen instance moved within ${movedMs} ms`],
      };
    },
  });
});

faultTest("slow_readers", async (world) => {
  const [a] = world.instances;
  const readers: RawWsClient[] = [];
  await runScenario(world, "slow_readers", {
    fault: async () => {
      // Five more tabs of busy members, on one instance, that never read what they are sent.
      for (let i = 0; i < 5; i++) {
        const conversation = world.conversations[i]!;
        const person = world.people.get(conversation.memberIds[0]!)!;
        readers.push(await RawWsClient.connect(a.url, { cookie: person.cookie }));
      }
      // They stop reading for 14 s, the fault's own duration: the server must notice by time, not only by
      // bytes (a stopped reader's kernel buffers hide it): its liveness ping (every 5 s) must be
      // answered within 5 s, so each must have been closed with 1013 by then.
      await sleep(14_000);
      const codes = await Promise.all(
        readers.map((r) => r.readUntilClose(5_000).then((c) => c.code, () => undefined)),
      );
      const violations = codes.some((code) => code !== 1013)
        ? [`stopped readers closed with ${codes.join(", ")} within 14 s (1013 expected)`]
        : [];
      return { violations, notes: [`stopped readers (14 s) closed with ${codes.join(", ")}`] };
    },
  }).finally(() => readers.forEach((r) => r.close()));
});

faultTest("reconnect_storm", async (world) => {
  await runScenario(world, "reconnect_storm", {
    fault: async () => {
      const hellos = new Map(world.clients.map((c) => [c, c.hellos]));
      const killed = Date.now();
      await Promise.all(world.instances.map((i) => i.kill()));
      await sleep(2_000); // the fault's own duration (issue 15)
      await Promise.all(world.instances.map((i) => i.start()));
      const back = Date.now();
      await world.waitFor(
        () => world.clients.every((c) => c.hellos > hellos.get(c)!),
        20_000,
        "every client's hello",
      );
      return {
        notes: [
          `instances back ${back - killed} ms after the kill; every client greeted again ${
            Date.now() - back
          } ms later`,
        ],
      };
    },
  });
});

/** The close codes the clients' sockets on `url` got since `since`. */
function closeCodes(world: FaultWorld, url: string, since: number): number[] {
  return world.clients.flatMap((c) =>
    c.closes.filter((x) => x.at >= since && x.instance === url).map((x) => x.code)
  );
}

/** A graceful stop of instance A by `signal`: drained, exit 0 (or 130 for the task), every socket closed with 1012. */
async function gracefulStop(world: FaultWorld, id: ScenarioId, stop: () => void): Promise<void> {
  const [a] = world.instances;
  await runScenario(world, id, {
    fault: async () => {
      const since = Date.now();
      const held = world.clients.filter((c) => c.instance === a.url).length;
      stop();
      const status = await a.exited(20_000);
      const violations: string[] = [];
      if (!status) violations.push("the instance did not exit within 20 s of the signal");
      else if (status.signal !== null) {
        violations.push(`the instance ended by ${status.signal}, not by draining`);
      }
      const codes = closeCodes(world, a.url, since);
      const other = codes.filter((code) => code !== 1012);
      if (other.length > 0) {
        violations.push(
          `${other.length} of ${codes.length} sockets closed with ${[...new Set(other)]} (1012 expected)`,
        );
      }
      if (codes.length < held) {
        violations.push(`only ${codes.length} of ${held} sockets were closed by the server`);
      }
      return {
        violations,
        notes: [`exit ${status?.code}, ${codes.length} sockets closed with ${[...new Set(codes)].join("/")}`],
      };
    },
    restore: () => a.start(),
  });
}

faultTest(
  "sigterm",
  (world) => gracefulStop(world, "sigterm", () => world.instances[0].signalServer("SIGTERM")),
);

faultTest(
  "sigint_group",
  (world) => gracefulStop(world, "sigint_group", () => world.instances[0].signalGroup("SIGINT")),
);

faultTest("access_ended", async (world) => {
  // Two members of different conversations: one signs out, the other is removed by the admin.
  const [first, second] = [world.conversations[2]!, world.conversations[3]!];
  const loggedOut = world.people.get(first.memberIds[1]!)!;
  const removed = world.people.get(second.memberIds[1]!)!;
  const admin = world.people.get(second.memberIds[0]!)!;
  await runScenario(world, "access_ended", {
    fault: async () => {
      const violations: string[] = [];
      const cuts: Cut[] = [];
      const url = world.instances[1].url;
      const logout = await api(url, loggedOut.cookie, "/api/auth/logout", { method: "POST" });
      if (logout.status !== 204) violations.push(`logout answered ${logout.status}`);
      cuts.push({ userId: loggedOut.userId, at: Date.now(), lastSeq: pick(await lastSeqs(world), first.id) });
      const removal = await api(url, admin.cookie, `/api/admin/people/${removed.userId}/remove`, {
        method: "POST",
        body: { establishmentId: second.establishmentId },
      });
      if (removal.status !== 204) {
        violations.push(`the removal answered ${removal.status}: ${JSON.stringify(removal.body)}`);
      }
      cuts.push({ userId: removed.userId, at: Date.now(), lastSeq: pick(await lastSeqs(world), second.id) });
      // Their sockets close with 4401 at once, on whichever instance holds them.
      const victims = [...world.clientsOf(loggedOut.userId), ...world.clientsOf(removed.userId)];
      try {
        await world.waitFor(
          () => victims.every((c) => c.sessionEndedAt !== undefined),
          5_000,
          "4401 on every affected socket",
        );
      } catch (error) {
        violations.push(String(error instanceof Error ? error.message : error));
      }
      const codes = victims.flatMap((c) => c.closes.filter((x) => x.at >= cuts[0]!.at).map((x) => x.code));
      if (codes.some((code) => code !== 4401)) {
        violations.push(`affected sockets closed with ${codes} (4401 expected)`);
      }
      world.retire(loggedOut.userId);
      world.retire(removed.userId);
      return { cuts, violations, notes: [`affected sockets closed with ${[...new Set(codes)].join("/")}`] };
    },
  });
});

function pick(seqs: Map<string, number>, id: string): Map<string, number> {
  return new Map([[id, seqs.get(id) ?? 0]]);
}

Deno.test({
  name: "faults - bad inputs (random, malformed and hostile frames and REST calls) break no invariant",
  ignore: missingBinaries(),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => badInputsScenario(await theWorld()),
});
