import type { Database } from "../db/types.ts";
import { makeEstablishment, makeUser } from "../db/factories.ts";
import { getActiveSession } from "../db/sessions.ts";
import { elapseRateLimits } from "../db/rate_limits.ts";
import { dbTest } from "../tests/support/databases.ts";
import { assert, assertEquals, assertRejects } from "../tests/support/assert.ts";
import { AppError } from "./errors.ts";
import { type AuthOptions, createAuthService, type LoginResult } from "./auth.ts";
import { EventHub } from "./events.ts";
import { hashPassword, needsRehash } from "./passwords.ts";
import { argon2id } from "hash-wasm";

const PASSWORD = "préau-secret-42";
const HASH = await hashPassword(PASSWORD);
const SECRET = "test-secret-".padEnd(48, "x");
const HOUR = 3600_000;

/** A person with a real password in a new establishment. */
async function person(db: Database) {
  const establishment = await makeEstablishment(db);
  const user = await makeUser(db, { establishmentId: establishment.id, role: "parent", passwordHash: HASH });
  return { establishment, user };
}

/** An auth service on a clock that stands still (at the real time of creation) until the test moves it. */
function withClock(db: Database, options: Partial<AuthOptions> = {}) {
  let now = Date.now();
  const auth = createAuthService(db, {
    secret: SECRET,
    events: new EventHub(),
    now: () => new Date(now),
    ...options,
  });
  return { auth, advance: (ms: number) => (now += ms) };
}

async function rejectsWith(code: string, fn: () => Promise<unknown>): Promise<AppError> {
  const error = await assertRejects(fn, AppError);
  assertEquals(error.code, code, error.message);
  return error;
}

dbTest("login - the right password signs in and its token authenticates", async (db) => {
  const { user } = await person(db);
  const { auth } = withClock(db);
  const login = await auth.login(user.email, PASSWORD, "203.0.113.1", "test-agent");
  assertEquals(login.user, user);
  assert(login.expiresAt.getTime() > Date.now() + 7 * 24 * HOUR - 60_000, "a session lasts 7 days");
  const session = await auth.authenticate(login.token);
  assertEquals(session.user, user);
  assertEquals(session.renewed, undefined);
  assertEquals((await getActiveSession(db, session.sessionId))?.userId, user.id);
});

dbTest("login - email letter case and surrounding spaces do not matter", async (db) => {
  const { user } = await person(db);
  const { auth } = withClock(db);
  assertEquals(
    (await auth.login(`  ${user.email.toUpperCase()} `, PASSWORD, "203.0.113.1")).user.id,
    user.id,
  );
});

dbTest("login - a wrong password and an unknown email get the same answer", async (db) => {
  const { user } = await person(db);
  const { auth } = withClock(db);
  const wrong = await rejectsWith(
    "invalid_credentials",
    () => auth.login(user.email, "not-it", "203.0.113.2"),
  );
  const unknown = await rejectsWith(
    "invalid_credentials",
    () => auth.login(`nobody-${crypto.randomUUID()}@example.test`, PASSWORD, "203.0.113.2"),
  );
  assertEquals([unknown.status, unknown.message], [wrong.status, wrong.message]);
  assertEquals(wrong.status, 401);
});

dbTest("login - the sixth attempt after five failures on one email is rate limited", async (db) => {
  const { user } = await person(db);
  const { auth } = withClock(db);
  for (let i = 0; i < 5; i++) {
    await rejectsWith("invalid_credentials", () => auth.login(user.email, `guess-${i}`, `198.51.100.${i}`));
  }
  // Even the right password, from a fresh address, waits: the account is the one being guessed.
  const limited = await rejectsWith("rate_limited", () => auth.login(user.email, PASSWORD, "198.51.100.99"));
  assertEquals(limited.status, 429);
  // 180 s after the first failure (the database clock runs on while the five are hashed).
  assert(
    limited.retryAfterSeconds! > 150 && limited.retryAfterSeconds! <= 180,
    `${limited.retryAfterSeconds}`,
  );
  await elapseRateLimits(db, user.email.toLowerCase(), 180); // one attempt comes back every 3 minutes
  assertEquals((await auth.login(user.email, PASSWORD, "198.51.100.99")).user.id, user.id);
});

dbTest("login - twenty failures from one address rate-limit that address only", async (db) => {
  const { user } = await person(db);
  const { auth } = withClock(db);
  for (let i = 0; i < 20; i++) {
    const email = `nobody-${i}-${crypto.randomUUID()}@example.test`;
    await rejectsWith("invalid_credentials", () => auth.login(email, "guess", "192.0.2.7"));
  }
  await rejectsWith("rate_limited", () => auth.login(user.email, PASSWORD, "192.0.2.7"));
  assertEquals((await auth.login(user.email, PASSWORD, "192.0.2.8")).user.id, user.id);
});

dbTest("login - successful sign-ins do not count as failures", async (db) => {
  const { user } = await person(db);
  const { auth } = withClock(db);
  for (let i = 0; i < 4; i++) {
    await rejectsWith("invalid_credentials", () => auth.login(user.email, "x", "192.0.2.9"));
  }
  for (let i = 0; i < 3; i++) await auth.login(user.email, PASSWORD, "192.0.2.9");
  await rejectsWith("invalid_credentials", () => auth.login(user.email, "x", "192.0.2.9"));
  await rejectsWith("rate_limited", () => auth.login(user.email, "x", "192.0.2.9"));
});

dbTest("login - successful sign-ins are limited too: twenty per account, then 429", async (db) => {
  const { user } = await person(db);
  const { auth } = withClock(db, { loginLimits: { attemptsPerEmail: 3 } });
  for (let i = 0; i < 3; i++) await auth.login(user.email, PASSWORD, `198.51.100.${110 + i}`);
  const limited = await rejectsWith("rate_limited", () => auth.login(user.email, PASSWORD, "198.51.100.120"));
  assert(limited.retryAfterSeconds! >= 1);
  const { auth: defaults } = withClock(db);
  const other = (await person(db)).user;
  for (let i = 0; i < 20; i++) await defaults.login(other.email, PASSWORD, `198.51.100.${130 + i}`);
  await rejectsWith("rate_limited", () => defaults.login(other.email, PASSWORD, "198.51.100.160"));
});

dbTest("login - attempts from one address are limited whether they succeed or not", async (db) => {
  const { auth } = withClock(db, { loginLimits: { attemptsPerAddress: 4 } });
  for (let i = 0; i < 4; i++) {
    const { user } = await person(db);
    await auth.login(user.email, PASSWORD, "192.0.2.44");
  }
  const { user } = await person(db);
  await rejectsWith("rate_limited", () => auth.login(user.email, PASSWORD, "192.0.2.44"));
  assertEquals((await auth.login(user.email, PASSWORD, "192.0.2.45")).user.id, user.id);
});

dbTest("login - two services on one database (two instances) share the failure limit", async (db) => {
  const { user } = await person(db);
  const first = withClock(db).auth;
  const second = withClock(db).auth;
  for (let i = 0; i < 5; i++) {
    const auth = i % 2 === 0 ? first : second;
    await rejectsWith("invalid_credentials", () => auth.login(user.email, "nope", `198.51.100.${170 + i}`));
  }
  await rejectsWith("rate_limited", () => first.login(user.email, PASSWORD, "198.51.100.180"));
  await rejectsWith("rate_limited", () => second.login(user.email, PASSWORD, "198.51.100.181"));
});

dbTest("login - beyond the session cap the oldest session is revoked and its end announced", async (db) => {
  const { user } = await person(db);
  const ended: string[] = [];
  const events = new EventHub();
  events.subscribe((event) => {
    if (event.kind === "session_ended") ended.push(event.sessionId);
  });
  const { auth } = withClock(db, { maxSessionsPerUser: 3, events });
  const logins: LoginResult[] = [];
  for (let i = 0; i < 4; i++) logins.push(await auth.login(user.email, PASSWORD, `198.51.100.${200 + i}`));
  const sessionOf = async (token: string) => (await auth.authenticate(token)).sessionId;
  await rejectsWith("unauthorized", () => auth.authenticate(logins[0]!.token));
  for (const login of logins.slice(1)) {
    assert(await sessionOf(login.token), "the three newest stay signed in");
  }
  assertEquals(ended.length, 1);
  assertEquals(await getActiveSession(db, ended[0]!), null, "the announced session is the revoked one");
});

dbTest("authenticate - after logout the session's token is refused", async (db) => {
  const { user } = await person(db);
  const { auth } = withClock(db);
  const { token } = await auth.login(user.email, PASSWORD, "203.0.113.3");
  const { sessionId } = await auth.authenticate(token);
  await auth.logout(sessionId);
  const error = await rejectsWith("unauthorized", () => auth.authenticate(token));
  assertEquals(error.message, "Your session has ended; sign in again.");
  await auth.logout(sessionId); // logging out twice is harmless
});

dbTest("authenticate - an expired token is refused", async (db) => {
  const { user } = await person(db);
  const past = createAuthService(db, {
    secret: SECRET,
    events: new EventHub(),
    now: () => new Date(Date.now() - 8 * 24 * HOUR),
  });
  const { token, expiresAt } = await past.login(user.email, PASSWORD, "203.0.113.4");
  assert(expiresAt.getTime() < Date.now(), "the session ended a day ago");
  const error = await rejectsWith(
    "unauthorized",
    () => createAuthService(db, { secret: SECRET, events: new EventHub() }).authenticate(token),
  );
  assertEquals(error.message, "Your session has expired; sign in again.");
});

dbTest("authenticate - a token older than a day is renewed and its session extended", async (db) => {
  const { user } = await person(db);
  const { auth, advance } = withClock(db);
  const login = await auth.login(user.email, PASSWORD, "203.0.113.5");
  advance(23 * HOUR);
  assertEquals((await auth.authenticate(login.token)).renewed, undefined);
  advance(2 * HOUR);
  const session = await auth.authenticate(login.token);
  const renewed = session.renewed;
  assert(renewed !== undefined, "a 25-hour-old token is renewed");
  assertEquals(renewed.expiresAt.getTime() - login.expiresAt.getTime(), 25 * HOUR);
  assertEquals(session.expiresAt, renewed.expiresAt);
  assertEquals((await getActiveSession(db, session.sessionId))?.expiresAt, renewed.expiresAt);
  const again = await auth.authenticate(renewed.token);
  assertEquals([again.sessionId, again.renewed], [session.sessionId, undefined]);
});

dbTest("authenticate - a token signed with another secret is refused", async (db) => {
  const { user } = await person(db);
  const other = createAuthService(db, { secret: "another-secret-".padEnd(48, "y"), events: new EventHub() });
  const { token } = await other.login(user.email, PASSWORD, "203.0.113.6");
  await rejectsWith("unauthorized", () => withClock(db).auth.authenticate(token));
});

dbTest("login - a hash made with older parameters is upgraded on a successful login", async (db) => {
  const establishment = await makeEstablishment(db);
  // Rehash a real hash with weaker parameters so that it still verifies.
  const outdated = await argon2id({
    password: PASSWORD,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    parallelism: 1,
    iterations: 1,
    memorySize: 19456,
    hashLength: 32,
    outputType: "encoded",
  });
  const user = await makeUser(db, {
    establishmentId: establishment.id,
    role: "parent",
    passwordHash: outdated,
  });
  const { auth } = withClock(db);
  await auth.login(user.email, PASSWORD, "203.0.113.9");
  const [row] = await db.query<{ hash: string }>("select password_hash as hash from users where id = $1", [
    user.id,
  ]);
  assert(
    row && row.hash !== outdated && !needsRehash(row.hash),
    "the stored hash now uses current parameters",
  );
  await auth.login(user.email, PASSWORD, "203.0.113.9");
});

dbTest("me - the person and their memberships, by establishment name", async (db) => {
  const { establishment, user } = await person(db);
  const { auth } = withClock(db);
  const me = await auth.me(user.id);
  assertEquals(me.user, user);
  assertEquals(me.memberships, [{
    establishmentId: establishment.id,
    establishmentName: establishment.name,
    role: "parent",
  }]);
  await rejectsWith("unauthorized", () => auth.me(crypto.randomUUID()));
});
