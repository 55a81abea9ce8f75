import { dbTest } from "../tests/support/databases.ts";
import { assert, assertEquals, assertRejects } from "../tests/support/assert.ts";
import { elapseRateLimits } from "../db/rate_limits.ts";
import { AppError } from "./errors.ts";
import { databaseRateLimits, enforceLimit, perWindow } from "./limits.ts";

const key = () => crypto.randomUUID();

dbTest("shared limits - a take from several buckets is all or nothing", async (db) => {
  const limits = databaseRateLimits(db);
  const tight = perWindow("test_tight", 1, 60);
  const loose = perWindow("test_loose", 3, 60);
  const [a, b] = [key(), key()];
  assertEquals((await limits.take([{ rule: tight, key: a }, { rule: loose, key: b }])).allowed, true);
  const refused = await limits.take([{ rule: tight, key: a }, { rule: loose, key: b }]);
  assertEquals(refused.allowed, false);
  assert(refused.retryAfterSeconds > 50, `retry after ${refused.retryAfterSeconds}`);
  // The loose bucket gave its token back when the tight one refused: two are left, not one.
  assertEquals((await limits.take([{ rule: loose, key: b }])).allowed, true);
  assertEquals((await limits.take([{ rule: loose, key: b }])).allowed, true);
  assertEquals((await limits.take([{ rule: loose, key: b }])).allowed, false);
});

dbTest("shared limits - two stores on one database (two instances) count together", async (db) => {
  const rule = perWindow("test_shared", 4, 3600);
  const [first, second] = [databaseRateLimits(db), databaseRateLimits(db)];
  const who = key();
  const answers = [];
  for (let i = 0; i < 6; i++) {
    answers.push((await (i % 2 === 0 ? first : second).take([{ rule, key: who }])).allowed);
  }
  assertEquals(answers, [true, true, true, true, false, false]);
});

dbTest("shared limits - enforceLimit throws 429 rate_limited saying what and how long", async (db) => {
  const limits = databaseRateLimits(db);
  const rule = perWindow("test_enforce", 2, 120);
  const who = key();
  await enforceLimit(limits, rule, who, "Too many tests");
  await enforceLimit(limits, rule, who, "Too many tests");
  const error = await assertRejects(() => enforceLimit(limits, rule, who, "Too many tests"), AppError);
  assertEquals([error.code, error.status, error.retryAfterSeconds], ["rate_limited", 429, 60]);
  assertEquals(error.message, "Too many tests; wait 1 minute and try again.");
  await elapseRateLimits(db, who, 60);
  await enforceLimit(limits, rule, who, "Too many tests");
});

dbTest("shared limits - refilled buckets are purged as takes go on", async (db) => {
  const limits = databaseRateLimits(db, { purgeIntervalMs: 0 });
  const rule = perWindow("test_purge", 5, 60);
  const idle = key();
  await limits.take([{ rule, key: idle }]);
  await elapseRateLimits(db, idle, 60);
  await limits.take([{ rule, key: key() }]);
  assertEquals((await db.query(`SELECT 1 FROM rate_limits WHERE key = $1`, [idle])).length, 0);
});
