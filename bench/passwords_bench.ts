/**
 * Login timing: verifying against the dummy hash (unknown email) must cost about what a real
 * verification costs, or response times reveal which emails have accounts. Compare the two rows.
 */
import { DUMMY_HASH, hashPassword, verifyPassword } from "../domain/passwords.ts";

const stored = await hashPassword("correct horse battery staple");

Deno.bench(
  "passwords - verify a wrong password against a real hash",
  { group: "verify", baseline: true },
  async () => {
    await verifyPassword("some guess", stored);
  },
);

Deno.bench("passwords - verify against the dummy hash (unknown email)", { group: "verify" }, async () => {
  await verifyPassword("some guess", DUMMY_HASH);
});
