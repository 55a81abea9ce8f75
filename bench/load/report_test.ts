import { assert, assertEquals } from "../../tests/support/assert.ts";
import { goals, renderReport } from "./report.ts";
import type { BenchResults } from "./results.ts";
import type { Measure } from "./run_load.ts";
import { QUICK } from "./scenarios.ts";

function measure(over: Partial<Measure> = {}): Measure {
  return {
    deliveriesPerSec: 9000,
    latencyMs: { p50: 3, p90: 5, p99: 20, p999: 30, max: 40 },
    sent: 1000,
    acked: 1000,
    refused: 0,
    expected: 9000,
    received: 9000,
    lost: 0,
    stored: 1000,
    storedPerSec: 1000,
    serverCpuMs: 400,
    cpuMsPer1kDeliveries: 40,
    pgCpuMs: 100,
    peakRssMiB: 120,
    connectFailures: 0,
    closes: {},
    ...over,
  };
}

function results(preau: Partial<Measure>): BenchResults {
  const rounds = (p: Measure) => ({
    preau: [p, p, p],
    bare: [measure({ cpuMsPer1kDeliveries: 5, stored: null })],
    pgnotify: [measure({ cpuMsPer1kDeliveries: 30 }), measure({ cpuMsPer1kDeliveries: 36 })],
    socketio: [measure({ cpuMsPer1kDeliveries: 48 })],
  });
  return {
    quick: false,
    date: "2026-12-02T06:00:00.000Z",
    machine: { nproc: 2, cpu: "Test CPU", ramGiB: 4, deno: "2.9.6", postgres: "17" },
    sizes: QUICK,
    scenarios: [
      {
        id: "rooms_100x10_1000",
        title: "100 rooms × 10",
        kind: "deliveries",
        rate: 1000,
        rounds: rounds(measure(preau)),
      },
    ],
    steps: [],
  };
}

Deno.test("bench report - the CPU goal compares Préau's median with 1.5× the minimal server's median", () => {
  // The minimal server's median is (30 + 36) / 2 = 33: 49 is within 1.5× (49.5) but not under Socket.IO's 48.
  const missed = goals(results({ cpuMsPer1kDeliveries: 49 })).find((g) =>
    g.goal.includes("CPU per delivery")
  )!;
  assertEquals(missed.met, false);
  const met = goals(results({ cpuMsPer1kDeliveries: 45 })).find((g) => g.goal.includes("CPU per delivery"))!;
  assertEquals(met.met, true);
  assert(met.seen.includes("45.0 vs 33.0 and 48.0"), met.seen);
});

Deno.test("bench report - a loss or an unstored message misses the delivery goal and the document says so", () => {
  const lossy = results({ lost: 12, stored: 990 });
  const goal = goals(lossy).find((g) => g.goal.includes("nothing lost"))!;
  assertEquals(goal.met, false);
  const text = renderReport(lossy);
  assert(
    text.includes(
      "| 100 rooms × 10: nothing lost, everything stored, p99 < 100 ms | **missed** | lost 12, not stored 10",
    ),
  );
  assert(text.includes("| deliveries lost | 12 | 0 | 0 | 0 |"), "side-by-side row");
  assert(text.includes("on 2 cores (Test CPU), 4 GiB RAM"), "the machine");
  assert(text.includes("npx -y deno@2.9.6 task bench"), "how to reproduce");
  assert(text.includes("not measured"), "goals of scenarios absent from the run are not claimed");
});

Deno.test("bench report - a write goal above the offered rate is not claimed as missed", () => {
  const r = results({});
  r.scenarios.push({
    id: "write_across",
    title: "write path",
    kind: "writes",
    rate: 1500,
    rounds: { preau: [measure({ storedPerSec: 1500 })] },
  });
  const goal = goals(r).find((g) => g.goal.includes("across conversations"))!;
  assertEquals(goal.met, null);
  assert(goal.why.includes("offered only 1,500 msg/s"), goal.why);
  r.scenarios.at(-1)!.rate = 6000;
  r.scenarios.at(-1)!.rounds.preau = [measure({ storedPerSec: 5200 })];
  assertEquals(goals(r).find((g) => g.goal.includes("across conversations"))!.met, true);
});
