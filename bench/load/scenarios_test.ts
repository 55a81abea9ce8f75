import { assert, assertEquals } from "../../tests/support/assert.ts";
import { classes, FULL, loadScenarios, PER_SENDER, QUICK, rooms } from "./scenarios.ts";
import type { Topology } from "./systems.ts";

/** Messages per second each client sends under `rate` (the schedule is round robin over `senders`). */
function perSender(topo: Topology, rate: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of topo.senders) out.set(s.client, (out.get(s.client) ?? 0) + rate / topo.senders.length);
  return out;
}

Deno.test("bench scenarios - no sender exceeds Préau's per-person limit in any scenario, full or quick", () => {
  for (const sizes of [FULL, QUICK]) {
    const all = [
      ...loadScenarios(sizes).map((s) => [s.id, s.topology, s.rate] as const),
      ...sizes.steps.map((rate) =>
        [`classes at ${rate}`, classes(sizes.classes, 25, sizes.announcementMembers, rate), rate] as const
      ),
    ];
    for (const [id, topo, rate] of all) {
      const max = Math.max(0, ...perSender(topo, rate).values());
      assert(max <= PER_SENDER + 1e-9, `${id}: a sender sends ${max.toFixed(2)}/s`);
      for (const s of topo.senders) {
        assert(topo.clients[s.client]!.rooms.includes(s.room), `${id}: sender outside its room`);
      }
    }
  }
});

Deno.test("bench scenarios - a room too busy for its members gets extra senders who neither receive nor count", () => {
  const topo = rooms(1, 100, 1000);
  assertEquals(topo.clients.length, 200);
  const listening = topo.clients.filter((c) => c.listens !== false);
  assertEquals(listening.length, 100, "only the 100 members receive");
  assert(listening.every((c) => c.counted !== false), "and every one of them counts");
  assert(topo.clients.every((c) => (c.listens === false) === (c.counted === false)));
  const ten = rooms(100, 10, 1000);
  assertEquals(ten.clients.length, 1000, "100 × 10 at 1,000 msg/s needs no extra sender");
  assert(ten.clients.every((c) => c.listens !== false));
});

Deno.test("bench scenarios - the write path's senders receive nothing", () => {
  for (const sizes of [FULL, QUICK]) {
    for (const sc of loadScenarios(sizes).filter((s) => s.kind === "writes")) {
      assert(sc.topology.clients.every((c) => c.listens === false), `${sc.id}: a sender receives`);
    }
    const one = loadScenarios(sizes).find((s) => s.id === "write_one");
    assertEquals(one?.topology.rooms, 1);
  }
});
