import type { Queryable } from "./types.ts";
import { dbTest } from "../tests/support/databases.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../tests/support/assert.ts";
import {
  type BucketTake,
  elapseRateLimits,
  purgeRateLimits,
  refundTokens,
  takeTokens,
} from "./rate_limits.ts";

/** 5 tokens, one back every 3 minutes (5 per 15 minutes), on a key no other test uses. */
const fivePerQuarter = (name = "test_limit"): BucketTake => ({
  name,
  key: crypto.randomUUID(),
  capacity: 5,
  refillPerSecond: 5 / 900,
});

const take = async (q: Queryable, bucket: BucketTake) => (await takeTokens(q, [bucket]))[0]!;

/** As if `seconds` had gone by for `bucket`. */
const elapse = (q: Queryable, bucket: BucketTake, seconds: number) =>
  elapseRateLimits(q, bucket.key, seconds);

dbTest(
  "rate limits - a burst up to the capacity passes, the next take is refused with its wait",
  async (db) => {
    const bucket = fivePerQuarter();
    for (let i = 0; i < 5; i++) assertEquals((await take(db, bucket)).allowed, true, `take ${i + 1}`);
    const refused = await take(db, bucket);
    assertEquals(refused.allowed, false);
    assert(Math.abs(refused.retryAfterSeconds - 180) < 1, `retry after ${refused.retryAfterSeconds}`);
  },
);

dbTest("rate limits - tokens come back with time, never above the capacity", async (db) => {
  const bucket = fivePerQuarter();
  for (let i = 0; i < 5; i++) await take(db, bucket);
  await elapse(db, bucket, 170);
  assertEquals((await take(db, bucket)).allowed, false, "not yet: one token needs 180 s");
  await elapse(db, bucket, 11);
  assertEquals((await take(db, bucket)).allowed, true);
  assertEquals((await take(db, bucket)).allowed, false);
  await elapse(db, bucket, 10 * 3600); // hours later: a full bucket of 5, not 200
  for (let i = 0; i < 5; i++) assertEquals((await take(db, bucket)).allowed, true);
  assertEquals((await take(db, bucket)).allowed, false);
});

dbTest("rate limits - a refused take takes nothing, however often it is repeated", async (db) => {
  const bucket = fivePerQuarter();
  for (let i = 0; i < 5; i++) await take(db, bucket);
  for (let i = 0; i < 20; i++) assertEquals((await take(db, bucket)).allowed, false);
  await elapse(db, bucket, 181);
  assertEquals((await take(db, bucket)).allowed, true);
});

dbTest("rate limits - keys and limit names are independent; one statement answers each take", async (db) => {
  const a = fivePerQuarter();
  for (let i = 0; i < 5; i++) await take(db, a);
  const sameKeyOtherLimit = { ...a, name: "other_limit" };
  const decisions = await takeTokens(db, [a, fivePerQuarter(), sameKeyOtherLimit]);
  assertEquals(decisions.map((d) => d.allowed), [false, true, true]);
  assertStringIncludes(
    (await assertRejects(() => takeTokens(db, [a, { ...a }]), RangeError)).message,
    "twice",
  );
});

dbTest("rate limits - a refund gives a token back, never beyond a full bucket", async (db) => {
  const bucket = fivePerQuarter();
  for (let i = 0; i < 5; i++) await take(db, bucket);
  await refundTokens(db, [bucket]);
  assertEquals((await take(db, bucket)).allowed, true);
  assertEquals((await take(db, bucket)).allowed, false);
  const fresh = fivePerQuarter();
  await take(db, fresh);
  await refundTokens(db, [fresh, fresh, fresh]);
  for (let i = 0; i < 5; i++) assertEquals((await take(db, fresh)).allowed, true);
  assertEquals((await take(db, fresh)).allowed, false, "refunds beyond full are not kept");
});

dbTest("rate limits - concurrent takes on one key let exactly the capacity through", async (db) => {
  const bucket = { ...fivePerQuarter(), capacity: 10, refillPerSecond: 10 / 3600 };
  const decisions = await Promise.all(Array.from({ length: 40 }, () => take(db, bucket)));
  assertEquals(decisions.filter((d) => d.allowed).length, 10);
});

dbTest("rate limits - the purge deletes refilled buckets only, also from within a take", async (db) => {
  const refilled = fivePerQuarter("purge_test");
  const busy = fivePerQuarter("purge_test");
  await take(db, refilled);
  await take(db, busy);
  await elapse(db, refilled, 181);
  const count = async (bucket: BucketTake) =>
    (await db.query(`SELECT 1 FROM rate_limits WHERE name = $1 AND key = $2`, [bucket.name, bucket.key]))
      .length;
  assert((await purgeRateLimits(db)) >= 1);
  assertEquals([await count(refilled), await count(busy)], [0, 1]);

  await take(db, refilled);
  await elapse(db, refilled, 181);
  const bystander = fivePerQuarter("purge_test");
  await take(db, bystander);
  await elapse(db, bystander, 181);
  // The bucket being taken from survives even though it has refilled; the other refilled one goes.
  assertEquals((await takeTokens(db, [refilled], { purge: true }))[0]!.allowed, true);
  assertEquals([await count(refilled), await count(bystander), await count(busy)], [1, 0, 1]);
});
