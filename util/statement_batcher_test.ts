import { assertEquals, assertRejects } from "../tests/support/assert.ts";
import { StatementBatcher } from "./statement_batcher.ts";

/** A fake statement that records its items and answers (doubling each) when released. */
function recorder() {
  const statements: number[][] = [];
  const releases: Array<(fail?: Error) => void> = [];
  const run = (items: readonly number[]) => {
    statements.push([...items]);
    const { promise, resolve, reject } = Promise.withResolvers<number[]>();
    releases.push((fail) => fail ? reject(fail) : resolve(items.map((n) => n * 2)));
    return promise;
  };
  return { statements, releases, run };
}

Deno.test("statement batcher - an idle batcher runs a request at once; requests made meanwhile share the next statement", async () => {
  const r = recorder();
  const batcher = new StatementBatcher(r.run, { maxInFlight: 1 });
  const first = batcher.one(1);
  const rest = [batcher.submit([2, 3]), batcher.one(4)];
  assertEquals(r.statements, [[1]]);
  r.releases[0]!();
  assertEquals(await first, 2);
  assertEquals(r.statements, [[1], [2, 3, 4]]);
  r.releases[1]!();
  assertEquals(await Promise.all(rest), [[4, 6], 8]);
});

Deno.test("statement batcher - a failed statement fails its callers only, and the next one still runs", async () => {
  const r = recorder();
  const batcher = new StatementBatcher(r.run, { maxInFlight: 1 });
  const first = batcher.one(1);
  const second = batcher.one(2);
  r.releases[0]!(new Error("connection lost"));
  assertEquals((await assertRejects(() => first)).message, "connection lost");
  r.releases[1]!();
  assertEquals(await second, 4);
});

Deno.test("statement batcher - a caller's items are never split, maxBatch bounds the rest, equal keys wait", async () => {
  const r = recorder();
  const batcher = new StatementBatcher(r.run, { maxInFlight: 1, maxBatch: 3, key: (n) => String(n % 10) });
  const answers = [
    batcher.one(0),
    batcher.submit([1, 2, 3, 4]),
    batcher.one(5),
    batcher.one(15),
    batcher.one(6),
    batcher.one(7),
  ];
  const settled = () => new Promise((resolve) => setTimeout(resolve, 0));
  r.releases[0]!();
  await settled();
  // Over maxBatch, but one caller's: alone.
  assertEquals(r.statements, [[0], [1, 2, 3, 4]]);
  r.releases[1]!();
  await settled();
  // 15 has the key of 5, already in the batch being formed: it waits, and so do those after it.
  assertEquals(r.statements[2], [5]);
  r.releases[2]!();
  await settled();
  assertEquals(r.statements[3], [15, 6, 7]);
  r.releases[3]!();
  assertEquals(await Promise.all(answers), [0, [2, 4, 6, 8], 10, 30, 12, 14]);
});

Deno.test("statement batcher - a run that throws at once rejects its callers instead of stalling the batcher", async () => {
  let calls = 0;
  const batcher = new StatementBatcher((items: readonly number[]) => {
    if (calls++ === 0) throw new Error("bad input");
    return Promise.resolve(items.map((n) => n + 1));
  });
  assertEquals((await assertRejects(() => batcher.one(1))).message, "bad input");
  assertEquals(await batcher.one(2), 3);
});

Deno.test("statement batcher - with gatherMs, a request into a quiet batcher goes at once; under load a statement waits for more", async () => {
  const r = recorder();
  const batcher = new StatementBatcher(r.run, { gatherMs: 40 });
  const first = batcher.one(1); // quiet: at once, though gathering is on
  assertEquals(r.statements, [[1]]);
  r.releases[0]!();
  assertEquals(await first, 2);
  // Right behind it (busy), with a statement slot free: it waits for company instead of going alone.
  const second = batcher.one(2);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const third = batcher.one(3);
  assertEquals(r.statements, [[1]], "nothing sent while gathering");
  const deadline = Date.now() + 2000;
  while (r.statements.length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assertEquals(r.statements, [[1], [2, 3]], "both in one statement once the first had waited its time");
  r.releases[1]!();
  assertEquals(await Promise.all([second, third]), [4, 6]);
});
