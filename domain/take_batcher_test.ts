import { assertEquals, assertRejects } from "../tests/support/assert.ts";
import type { BucketDecision, BucketTake } from "../db/rate_limits.ts";
import { TakeBatcher } from "./take_batcher.ts";

const take = (key: string): BucketTake => ({ name: "send", key, capacity: 20, refillPerSecond: 5 });

/** A fake statement that records its buckets and answers when released. */
function recorder() {
  const statements: string[][] = [];
  const releases: Array<(fail?: Error) => void> = [];
  const run = (takes: readonly BucketTake[]) => {
    statements.push(takes.map((t) => t.key));
    const { promise, resolve, reject } = Promise.withResolvers<BucketDecision[]>();
    releases.push((fail) =>
      fail
        ? reject(fail)
        : resolve(takes.map((t) => ({ allowed: t.key !== "refused", retryAfterSeconds: 0 })))
    );
    return promise;
  };
  return { statements, releases, run };
}

Deno.test("take batcher - takes made while statements run share the next statement, each with its own answer", async () => {
  const r = recorder();
  const batcher = new TakeBatcher(r.run, { maxInFlight: 1 });
  const first = batcher.take([take("a")]);
  const rest = ["b", "refused", "c"].map((key) => batcher.take([take(key)]));
  assertEquals(r.statements, [["a"]]);
  r.releases[0]!();
  assertEquals(await first, [{ allowed: true, retryAfterSeconds: 0 }]);
  assertEquals(r.statements, [["a"], ["b", "refused", "c"]]);
  r.releases[1]!();
  assertEquals((await Promise.all(rest)).map(([d]) => d!.allowed), [true, false, true]);
});

Deno.test("take batcher - the same bucket twice goes into successive statements, in arrival order", async () => {
  const r = recorder();
  const batcher = new TakeBatcher(r.run, { maxInFlight: 1 });
  const all = [
    batcher.take([take("x")]),
    batcher.take([take("y")]),
    batcher.take([take("y")]),
    batcher.take([take("z")]),
  ];
  r.releases[0]!();
  await all[0];
  assertEquals(r.statements, [["x"], ["y"]]);
  r.releases[1]!();
  await all[1];
  assertEquals(r.statements, [["x"], ["y"], ["y", "z"]]);
  r.releases[2]!();
  assertEquals((await Promise.all(all)).length, 4);
});

Deno.test("take batcher - a failed statement fails its own takes only, and a take naming a bucket twice is refused", async () => {
  const r = recorder();
  const batcher = new TakeBatcher(r.run, { maxInFlight: 1 });
  const failing = batcher.take([take("a")]);
  const later = batcher.take([take("b")]);
  r.releases[0]!(new Error("connection lost"));
  assertEquals((await assertRejects(() => failing, Error)).message, "connection lost");
  r.releases[1]!();
  assertEquals(await later, [{ allowed: true, retryAfterSeconds: 0 }]);
  assertEquals(
    /twice/.test((await assertRejects(() => batcher.take([take("q"), take("q")]), RangeError)).message),
    true,
  );
});
