import { assert, assertEquals, assertRejects } from "../tests/support/assert.ts";
import { AppError } from "./errors.ts";
import { argon2InProcess, type Argon2Params, Argon2Pool } from "./argon2_pool.ts";
import { ARGON2_PARAMS, hashPassword, verifyPassword } from "./passwords.ts";

const params = (password: string): Argon2Params => ({
  password,
  salt: new Uint8Array(16).fill(7),
  ...ARGON2_PARAMS,
});

Deno.test("argon2 pool - a worker computes the same hash as the calling thread", async () => {
  const pool = new Argon2Pool({ workers: 1 });
  try {
    assertEquals(await pool.run(params("préau")), await argon2InProcess(params("préau")));
    const stored = await hashPassword("correct horse", pool.argon2);
    assert(await verifyPassword("correct horse", stored), "a pool-made hash verifies on the calling thread");
    assert(await verifyPassword("correct horse", stored, pool.argon2));
    assert(!(await verifyPassword("wrong horse", stored, pool.argon2)));
  } finally {
    pool.close();
  }
});

Deno.test("argon2 pool - past the queue bound a hash is refused as rate_limited, the others finish", async () => {
  const pool = new Argon2Pool({ workers: 1, maxQueued: 2 });
  try {
    const accepted = [pool.run(params("a")), pool.run(params("b")), pool.run(params("c"))];
    assertEquals(pool.stats, { queued: 2, running: 1, workers: 1 });
    const refused = await assertRejects(() => pool.run(params("d")), AppError);
    assertEquals([refused.code, refused.retryAfterSeconds], ["rate_limited", 1]);
    assertEquals((await Promise.all(accepted)).length, 3);
    assertEquals(pool.stats.queued, 0);
  } finally {
    pool.close();
  }
});

Deno.test("argon2 pool - close fails waiting hashes and stops the workers", async () => {
  const pool = new Argon2Pool({ workers: 1 });
  const running = pool.run(params("a"));
  const waiting = pool.run(params("b"));
  pool.close();
  await assertRejects(() => running);
  await assertRejects(() => waiting);
  assertEquals(pool.stats.workers, 0);
  await assertRejects(() => pool.run(params("c")));
});
