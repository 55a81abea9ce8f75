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

Deno.test("bench scenarios - a room too busy for its members gets extra sending members who are not counted", () => {
  const topo = rooms(1, 100, 1000);
  assertEquals(topo.clients.length, 200);
  assertEquals(topo.clients.filter((c) => c.counted).length, 100);
  assertEquals(rooms(100, 10, 1000).clients.length, 1000);
});
