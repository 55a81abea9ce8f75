import { assert, assertEquals, assertMatch, assertNotEquals } from "../tests/support/assert.ts";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "./passwords.ts";

const stored = await hashPassword("correct horse battery staple");

Deno.test("passwords - the right password verifies", async () => {
  assertMatch(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assertEquals(await verifyPassword("correct horse battery staple", stored), true);
});

Deno.test("passwords - a wrong password does not verify", async () => {
  assertEquals(await verifyPassword("correct horse battery stapler", stored), false);
  assertEquals(await verifyPassword("", stored), false);
});

Deno.test("passwords - each hash gets its own salt", async () => {
  const again = await hashPassword("correct horse battery staple");
  assertNotEquals(again, stored);
  assertEquals(await verifyPassword("correct horse battery staple", again), true);
});

Deno.test("passwords - a tampered digest, salt or parameter does not verify", async () => {
  const parts = stored.split("$"); // ["", "argon2id", "v=19", "m=…", salt, digest]
  const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
  const tamperedDigest = [...parts.slice(0, 5), flip(parts[5]!)].join("$");
  const tamperedSalt = [...parts.slice(0, 4), flip(parts[4]!), parts[5]].join("$");
  const tamperedParams = stored.replace("t=2", "t=3");
  for (const hash of [tamperedDigest, tamperedSalt, tamperedParams]) {
    assertEquals(await verifyPassword("correct horse battery staple", hash), false, hash);
  }
});

Deno.test("passwords - malformed or abusive stored hashes answer false instead of throwing", async () => {
  const abusive = stored.replace("m=19456", "m=4000000"); // 4 GiB: refused before any work
  for (const hash of ["", "plain-text-password", "$argon2i$v=19$m=19456,t=2,p=1$abc$def", abusive]) {
    assertEquals(await verifyPassword("plain-text-password", hash), false, hash);
  }
});

Deno.test("passwords - composed and decomposed accents are the same password", async () => {
  const hash = await hashPassword("Lef\u00e8vre"); // è as one code point
  assertEquals(await verifyPassword("Lefe\u0300vre", hash), true); // e + combining grave
});

Deno.test("passwords - the unknown-user path verifies against a dummy with the current parameters", async () => {
  assertEquals(needsRehash(DUMMY_HASH), false);
  assertEquals(needsRehash(stored), false);
  assertEquals(needsRehash(stored.replace("t=2", "t=1")), true);
  assertEquals(await verifyPassword("correct horse battery staple", DUMMY_HASH), false);
});

Deno.test("passwords - an empty password cannot be hashed", async () => {
  let error: unknown;
  try {
    await hashPassword("");
  } catch (e) {
    error = e;
  }
  assert(error instanceof RangeError);
});
