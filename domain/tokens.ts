/**
 * Session tokens: HS256 JWTs (jose) whose `jti` names a server-side session row. The token alone
 * never grants access — callers also check that the row is still active — so logout and removed
 * memberships take effect at once, while the signature lets us reject forged or stale tokens
 * before touching the database.
 *
 * Verification pins the algorithm to HS256 (so `alg: none` and algorithm-confusion tokens fail),
 * pins issuer and audience to "preau", and requires every registered claim we rely on: jose
 * accepts a token without `exp` unless told otherwise, and such a token would never expire. It
 * also pins the `typ` header to "JWT" (explicit typing: a JOSE object of another kind signed with
 * the same key is not a session token), and refuses an `iat` in the future beyond
 * {@linkcode CLOCK_TOLERANCE_SECONDS}: we never issue one, so such a token was not made by us as it
 * claims (jose checks `iat` only for its type).
 */

import { errors, jwtVerify, SignJWT } from "jose";
import { AppError, unauthorized } from "./errors.ts";

/** The `iss` and `aud` of every Préau session token. */
export const TOKEN_ISSUER = "preau";
export const TOKEN_AUDIENCE = "preau";

/** Secrets shorter than this are refused: HS256 needs a key at least as long as its 256-bit output. */
export const MIN_SECRET_LENGTH = 32;

/** The `typ` header of every Préau session token. */
export const TOKEN_TYPE = "JWT";

/** How far in the future an `iat` may be (clock skew between instances) before it is refused. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"];

/** What a verified token says. */
export interface SessionClaims {
  /** `sub`: the user id. */
  userId: string;
  /** `jti`: the session row id. */
  sessionId: string;
  /** `iat`, whole seconds. */
  issuedAt: Date;
  /** `exp`, whole seconds. */
  expiresAt: Date;
}

/** What {@linkcode signSessionToken} puts in a token. */
export interface SignInput {
  userId: string;
  sessionId: string;
  /** Becomes `iat`; pass the service clock so tests can move time. */
  issuedAt: Date;
  /** Becomes `exp`. */
  expiresAt: Date;
}

/** Turns the configured secret into an HMAC key, refusing secrets too short to be safe. */
export function tokenKey(secret: string): Uint8Array {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new RangeError(
      `The session secret has ${secret.length} characters; use at least ${MIN_SECRET_LENGTH} (set PREAU_SECRET).`,
    );
  }
  return new TextEncoder().encode(secret);
}

/**
 * The WebCrypto key of `key`, imported once: given raw bytes, jose imports them again for every
 * token it signs or verifies, which costs as much as the HMAC itself on each request and upgrade.
 */
const cryptoKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function hmacKey(key: Uint8Array): Promise<CryptoKey> {
  let imported = cryptoKeys.get(key);
  if (imported === undefined) {
    imported = crypto.subtle.importKey(
      "raw",
      key as Uint8Array<ArrayBuffer>,
      {
        name: "HMAC",
        hash: "SHA-256",
      },
      false,
      ["sign", "verify"],
    );
    cryptoKeys.set(key, imported);
  }
  return imported;
}

/** Signs a session token for `input` with `key` (from {@linkcode tokenKey}). */
export async function signSessionToken(key: Uint8Array, input: SignInput): Promise<string> {
  return await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: TOKEN_TYPE })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(input.userId)
    .setJti(input.sessionId)
    .setIssuedAt(toSeconds(input.issuedAt))
    .setExpirationTime(toSeconds(input.expiresAt))
    .sign(await hmacKey(key));
}

/**
 * Verifies `token` at time `now` and returns its claims. Any failure — bad signature, other
 * algorithm or `typ`, expired, issued in the future, missing claim, wrong issuer or audience,
 * garbage — throws `unauthorized`, with no detail that would help a forger.
 */
export async function verifySessionToken(
  key: Uint8Array,
  token: string,
  now: Date = new Date(),
): Promise<SessionClaims> {
  const verified = verifiedWith(key);
  const known = verified.get(token);
  if (known !== undefined) return checkTimes(known, now);
  const claims = await verifyAnew(key, token, now);
  if (verified.size >= VERIFIED_TOKENS) verified.delete(verified.keys().next().value!);
  verified.set(token, claims);
  return claims;
}

/**
 * How many verified tokens each key remembers. A session's token is the same on every request and
 * upgrade until it is renewed, so its signature is checked once, not each time; what depends on
 * the time (`exp`, a future `iat`) is checked again on every use. Failures are never remembered.
 */
const VERIFIED_TOKENS = 20_000;

const verifiedTokens = new WeakMap<Uint8Array, Map<string, SessionClaims>>();

function verifiedWith(key: Uint8Array): Map<string, SessionClaims> {
  let verified = verifiedTokens.get(key);
  if (verified === undefined) verifiedTokens.set(key, verified = new Map());
  return verified;
}

/** The time checks of {@linkcode verifyAnew}, exactly as jose and we make them, on known claims. */
function checkTimes(claims: SessionClaims, now: Date): SessionClaims {
  const seconds = toSeconds(now);
  if (toSeconds(claims.expiresAt) <= seconds) throw unauthorized("Your session has expired; sign in again.");
  if (toSeconds(claims.issuedAt) > seconds + CLOCK_TOLERANCE_SECONDS) throw unauthorized();
  return claims;
}

async function verifyAnew(key: Uint8Array, token: string, now: Date): Promise<SessionClaims> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(key), {
      algorithms: ["HS256"],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      typ: TOKEN_TYPE,
      requiredClaims: REQUIRED_CLAIMS,
      currentDate: now,
    });
    if (typeof payload.sub !== "string" || typeof payload.jti !== "string") throw unauthorized();
    if (payload.iat! > toSeconds(now) + CLOCK_TOLERANCE_SECONDS) throw unauthorized();
    return {
      userId: payload.sub,
      sessionId: payload.jti,
      issuedAt: new Date(payload.iat! * 1000),
      expiresAt: new Date(payload.exp! * 1000),
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof errors.JWTExpired) {
      throw unauthorized("Your session has expired; sign in again.");
    }
    if (error instanceof errors.JOSEError || error instanceof TypeError) throw unauthorized();
    throw error;
  }
}

function toSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
