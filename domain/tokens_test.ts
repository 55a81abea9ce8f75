import { SignJWT } from "jose";
import { assertEquals, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { AppError } from "./errors.ts";
import { signSessionToken, tokenKey, verifySessionToken } from "./tokens.ts";

const key = tokenKey("k".repeat(32) + "-test-secret");
const otherKey = tokenKey("o".repeat(32) + "-other-secret");
const now = new Date("2030-01-15T12:00:00Z");
const inAWeek = new Date(now.getTime() + 7 * 86400_000);
const input = {
  userId: crypto.randomUUID(),
  sessionId: crypto.randomUUID(),
  issuedAt: now,
  expiresAt: inAWeek,
};

const base64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const fullClaims = () => ({
  iss: "preau",
  aud: "preau",
  sub: input.userId,
  jti: input.sessionId,
  iat: seconds(now),
  exp: seconds(inAWeek),
});

/** Signs arbitrary claims with the right key (and `header`), to check what verification insists on. */
async function signRaw(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { typ: "JWT" },
): Promise<string> {
  return await new SignJWT(claims).setProtectedHeader({ ...header, alg: "HS256" }).sign(key);
}

async function assertUnauthorized(token: string, at: Date = now): Promise<AppError> {
  const error = await assertRejects(() => verifySessionToken(key, token, at), AppError);
  assertEquals(error.code, "unauthorized");
  return error;
}

Deno.test("tokens - a signed token verifies and gives back its claims", async () => {
  const token = await signSessionToken(key, input);
  assertEquals(await verifySessionToken(key, token, now), input);
});

Deno.test("tokens - a token signed with another key is refused", async () => {
  await assertUnauthorized(await signSessionToken(otherKey, input));
});

Deno.test("tokens - an unsigned alg:none token is refused", async () => {
  const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url(fullClaims())}.`;
  await assertUnauthorized(token);
});

Deno.test("tokens - another HMAC algorithm with the right key is refused", async () => {
  const token = await new SignJWT(fullClaims()).setProtectedHeader({ alg: "HS512", typ: "JWT" }).sign(key);
  await assertUnauthorized(token);
});

Deno.test("tokens - a token without exp is refused", async () => {
  const { exp: _, ...claims } = fullClaims();
  await assertUnauthorized(await signRaw(claims));
});

Deno.test("tokens - a token missing any other required claim is refused", async () => {
  for (const missing of ["iat", "iss", "aud", "sub", "jti"] as const) {
    const claims: Record<string, unknown> = fullClaims();
    delete claims[missing];
    await assertUnauthorized(await signRaw(claims));
  }
});

Deno.test("tokens - an expired token is refused with a message that says to sign in again", async () => {
  const token = await signSessionToken(key, input);
  const error = await assertUnauthorized(token, new Date(inAWeek.getTime() + 1000));
  assertEquals(error.message, "Your session has expired; sign in again.");
});

Deno.test("tokens - a wrong issuer or audience is refused", async () => {
  await assertUnauthorized(await signRaw({ ...fullClaims(), iss: "someone-else" }));
  await assertUnauthorized(await signRaw({ ...fullClaims(), aud: "someone-else" }));
});

Deno.test("tokens - a tampered payload is refused", async () => {
  const [header, , signature] = (await signSessionToken(key, input)).split(".");
  const forged = `${header}.${base64url({ ...fullClaims(), sub: crypto.randomUUID() })}.${signature}`;
  await assertUnauthorized(forged);
});

Deno.test("tokens - garbage is refused, not crashed on", async () => {
  for (const token of ["", "abc", "a.b.c", "...", "ey.ey.ey"]) await assertUnauthorized(token);
});

Deno.test("tokens - the raw signer makes tokens that verify, so the refusals below test one thing each", async () => {
  const claims = await verifySessionToken(key, await signRaw(fullClaims()), now);
  assertEquals(claims, input);
});

Deno.test("tokens - signed tokens carry typ JWT in their header", async () => {
  const [header] = (await signSessionToken(key, input)).split(".");
  const decoded = JSON.parse(atob(header!.replaceAll("-", "+").replaceAll("_", "/")));
  assertEquals(decoded, { alg: "HS256", typ: "JWT" });
});

Deno.test("tokens - a missing or unexpected typ header is refused", async () => {
  await assertUnauthorized(await signRaw(fullClaims(), {}));
  for (const typ of ["at+jwt", "JWS", "dpop+jwt", "", "JWT "]) {
    await assertUnauthorized(await signRaw(fullClaims(), { typ }));
  }
  // RFC 7515: "JWT" and "application/jwt" are the same type, compared case-insensitively.
  assertEquals(
    await verifySessionToken(key, await signRaw(fullClaims(), { typ: "application/jwt" }), now),
    input,
  );
});

Deno.test("tokens - an iat in the future beyond 30 s of clock tolerance is refused", async () => {
  const at = (offsetSeconds: number) => signRaw({ ...fullClaims(), iat: seconds(now) + offsetSeconds });
  assertEquals(await verifySessionToken(key, await at(30), now), {
    ...input,
    issuedAt: new Date(now.getTime() + 30_000),
  });
  await assertUnauthorized(await at(31));
  await assertUnauthorized(await at(3600));
  // A token signed by our own signer with a future issue time is refused the same way.
  await assertUnauthorized(
    await signSessionToken(key, { ...input, issuedAt: new Date(now.getTime() + 60_000) }),
  );
});

Deno.test("tokens - a secret shorter than 32 characters is refused", () => {
  assertThrows(() => tokenKey("short"), RangeError);
});

Deno.test("tokens - a token verified before is refused once it expires, with the same message", async () => {
  const token = await signSessionToken(key, { ...input, sessionId: crypto.randomUUID() });
  await verifySessionToken(key, token, now); // its signature is now known good
  await verifySessionToken(key, token, new Date(inAWeek.getTime() - 1000));
  const error = await assertUnauthorized(token, inAWeek);
  assertEquals(error.message, "Your session has expired; sign in again.");
  await assertUnauthorized(token, new Date(inAWeek.getTime() + 60_000));
});

Deno.test("tokens - a token verified with its key is still refused with another key", async () => {
  const token = await signSessionToken(key, { ...input, sessionId: crypto.randomUUID() });
  await verifySessionToken(key, token, now);
  await assertRejects(() => verifySessionToken(otherKey, token, now), AppError);
});

Deno.test("tokens - a token verified when its iat had come is refused at a time 30 s before it", async () => {
  const issuedAt = new Date(now.getTime() + 60_000);
  const token = await signSessionToken(key, { ...input, sessionId: crypto.randomUUID(), issuedAt });
  await verifySessionToken(key, token, issuedAt);
  await assertUnauthorized(token, now);
  assertEquals((await verifySessionToken(key, token, new Date(now.getTime() + 30_000))).issuedAt, issuedAt);
});
