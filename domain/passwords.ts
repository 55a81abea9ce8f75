/**
 * Password hashing with Argon2id (hash-wasm, pure WebAssembly, so it runs the same under Deno on
 * every platform). Hashes are stored as PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), so
 * the parameters travel with each hash and can be raised later without breaking old ones.
 *
 * Verification recomputes the hash with the stored salt and parameters and compares the bytes in
 * constant time (hash-wasm's own `argon2Verify` compares strings with `===`). Callers who found no
 * user verify against {@linkcode DUMMY_HASH} so that "unknown email" costs as much as "wrong
 * password" and response times do not reveal which accounts exist.
 *
 * The hash itself is computed by an {@linkcode Argon2} function: on the calling thread by default
 * (scripts, tests), in a worker pool (`argon2_pool.ts`) for logins, so the server never stalls.
 */

import { type Argon2, argon2InProcess } from "./argon2_pool.ts";

/** OWASP's recommended Argon2id parameters: 19 MiB of memory, 2 passes, 1 lane, 32-byte output. */
export const ARGON2_PARAMS = Object.freeze({
  memorySize: 19456,
  iterations: 2,
  parallelism: 1,
  hashLength: 32,
});

const SALT_BYTES = 16;

/**
 * A hash of a random password nobody knows, made with {@linkcode ARGON2_PARAMS}. Verifying any
 * password against it fails after the same amount of work as a real verification.
 */
export const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$d18bs+DeT0oya7PhiJaTjQ$0NgHy9KkSlqPkZU/NXrXiprpGMojPPRB0KLjCs3ZiPQ";

/**
 * Bounds on parameters read back from a stored hash. A hash that was tampered with to ask for
 * gigabytes of memory or thousands of passes must not turn one login into a denial of service.
 */
const LIMITS = {
  maxMemoryKiB: 262_144,
  maxIterations: 16,
  maxParallelism: 8,
  minSalt: 8,
  minHash: 16,
  maxHash: 64,
};

/** The parts of a PHC string, decoded. */
interface ParsedHash {
  memorySize: number;
  iterations: number;
  parallelism: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/**
 * Hashes `password` with a fresh random salt. The password is NFC-normalised first, so the same
 * typed characters match whatever normalisation the keyboard or OS produced.
 */
export async function hashPassword(password: string, argon2: Argon2 = argon2InProcess): Promise<string> {
  if (password.length === 0) {
    throw new RangeError("hashPassword: the password is empty; choose a non-empty one.");
  }
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const { memorySize, iterations, parallelism } = ARGON2_PARAMS;
  const hash = await argon2({ password: password.normalize("NFC"), salt, ...ARGON2_PARAMS });
  return `$argon2id$v=19$m=${memorySize},t=${iterations},p=${parallelism}$${encodeBase64(salt)}$${
    encodeBase64(hash)
  }`;
}

/**
 * True when `password` matches the PHC string `encoded`. A malformed or out-of-bounds hash answers
 * `false` (after the same work as a real check) rather than throwing: a login must never succeed
 * or crash on a damaged row.
 */
export async function verifyPassword(
  password: string,
  encoded: string,
  argon2: Argon2 = argon2InProcess,
): Promise<boolean> {
  const parsed = parseHash(encoded);
  const target = parsed ?? parseHash(DUMMY_HASH)!;
  // hash-wasm refuses empty input; an empty password never matches (hashPassword refuses it too),
  // but it still pays for one hash so that it is not answered faster than any other guess.
  const candidate = password === "" ? "\u0000" : password.normalize("NFC");
  const computed = await argon2({
    password: candidate,
    salt: target.salt,
    memorySize: target.memorySize,
    iterations: target.iterations,
    parallelism: target.parallelism,
    hashLength: target.hash.length,
  });
  return constantTimeEqual(computed, target.hash) && parsed !== null && password !== "";
}

/** True when `encoded` was made with other parameters than {@linkcode ARGON2_PARAMS} (rehash on next login). */
export function needsRehash(encoded: string): boolean {
  const parsed = parseHash(encoded);
  return parsed === null || parsed.memorySize !== ARGON2_PARAMS.memorySize ||
    parsed.iterations !== ARGON2_PARAMS.iterations || parsed.parallelism !== ARGON2_PARAMS.parallelism ||
    parsed.hash.length !== ARGON2_PARAMS.hashLength;
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parseHash(encoded: string): ParsedHash | null {
  const m = PHC.exec(encoded);
  if (m === null) return null;
  const [memorySize, iterations, parallelism] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = decodeBase64(m[4]!);
  const hash = decodeBase64(m[5]!);
  if (salt === null || hash === null) return null;
  const ok = parallelism >= 1 && parallelism <= LIMITS.maxParallelism &&
    iterations >= 1 && iterations <= LIMITS.maxIterations &&
    memorySize >= 8 * parallelism && memorySize <= LIMITS.maxMemoryKiB &&
    salt.length >= LIMITS.minSalt && hash.length >= LIMITS.minHash && hash.length <= LIMITS.maxHash;
  return ok ? { memorySize, iterations, parallelism, salt, hash } : null;
}

/** Decodes unpadded standard base64 as PHC strings use it; `null` when it is not valid base64. */
function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(text + "=".repeat((4 - (text.length % 4)) % 4)), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Unpadded standard base64, as PHC strings use it. */
function encodeBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
}

/** Compares two byte arrays without stopping at the first difference. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i % b.length] ?? 0);
  return diff === 0;
}
