/** REST sessions end to end: login, cookie, revocation, forged tokens, cross-origin refusal. */
import { SignJWT } from "jose";
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { api, loginCookie, makeLoginUser, TEST_PASSWORD, TEST_SECRET, withServer } from "./support/server.ts";
import { makeEstablishment } from "../db/factories.ts";
import { createSession } from "../db/sessions.ts";
import { createApp } from "../server/app.ts";
import type { Database } from "../db/types.ts";

async function person(db: Database) {
  const school = await makeEstablishment(db);
  const user = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
  return { school, user };
}

const errorCode = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

dbTest("auth - login sets an HttpOnly SameSite=Lax session cookie and /api/me answers", async (db) => {
  const { school, user } = await person(db);
  await withServer(db, async (server) => {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email.toUpperCase(), password: TEST_PASSWORD }),
    });
    assertEquals(res.status, 200);
    assertEquals((await res.json()).user.id, user.id);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("preau_session="));
    assert(cookie, "login must set preau_session");
    assertMatch(cookie, /HttpOnly/);
    assertMatch(cookie, /SameSite=Lax/);
    assertMatch(cookie, /Path=\//);
    assert(!/Secure/.test(cookie), "plain http must not mark the cookie Secure");

    const me = await api(server.url, cookie.split(";")[0], "/api/me");
    assertEquals(me.status, 200);
    assertEquals(me.body, {
      user: { id: user.id, name: user.name, email: user.email, locale: "fr" },
      memberships: [{ establishmentId: school.id, establishmentName: school.name, role: "parent" }],
    });
  });
});

dbTest("auth - the cookie is Secure when the app is served over https", async (db) => {
  const { user } = await person(db);
  const { app } = await createApp({
    db,
    config: { allowedOrigins: [], publicUrl: "https://preau.example" },
    secret: TEST_SECRET,
  });
  const res = await app.request("https://preau.example/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", origin: "https://preau.example" },
    body: JSON.stringify({ email: user.email, password: TEST_PASSWORD }),
  });
  assertEquals(res.status, 200);
  assertMatch(res.headers.get("set-cookie") ?? "", /Secure/);
});

dbTest("auth - unknown email and wrong password get the same 401 invalid_credentials", async (db) => {
  const { user } = await person(db);
  const { app } = await createApp({
    db,
    config: { allowedOrigins: [], publicUrl: undefined },
    secret: TEST_SECRET,
  });
  const attempt = (email: string, password: string) =>
    app.request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
  const wrong = await attempt(user.email, "not the password");
  const unknown = await attempt(`nobody-${crypto.randomUUID()}@example.test`, TEST_PASSWORD);
  assertEquals(wrong.status, 401);
  assertEquals(unknown.status, 401);
  assertEquals(await wrong.json(), await unknown.json());
});

dbTest("auth - repeated failures are rate limited with 429 and Retry-After", async (db) => {
  const { user } = await person(db);
  const { app } = await createApp({
    db,
    config: { allowedOrigins: [], publicUrl: undefined },
    secret: TEST_SECRET,
  });
  const statuses: number[] = [];
  let last: Response | undefined;
  for (let i = 0; i < 7; i++) {
    last = await app.request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password: `wrong-${i}` }),
    });
    statuses.push(last.status);
    await last.body?.cancel();
  }
  assertEquals(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
  assertEquals(statuses.at(-1), 429);
  assert(Number(last?.headers.get("retry-after")) >= 1, "429 must say when to retry");
});

dbTest("auth - logout revokes the session at once", async (db) => {
  const { user } = await person(db);
  await withServer(db, async (server) => {
    const cookie = await loginCookie(server.url, user.email);
    assertEquals((await api(server.url, cookie, "/api/me")).status, 200);
    const out = await api(server.url, cookie, "/api/auth/logout", { method: "POST" });
    assertEquals(out.status, 204);
    assertMatch(out.headers.get("set-cookie") ?? "", /preau_session=;.*Max-Age=0/);
    const after = await api(server.url, cookie, "/api/me");
    assertEquals(after.status, 401);
    assertEquals(errorCode(after.body), "unauthorized");
  });
});

dbTest("auth - forged, expired and incomplete tokens are refused", async (db) => {
  const { user } = await person(db);
  const session = await createSession(db, { userId: user.id, expiresAt: new Date(Date.now() + 3600_000) });
  const { app } = await createApp({
    db,
    config: { allowedOrigins: [], publicUrl: undefined },
    secret: TEST_SECRET,
  });
  const now = Math.floor(Date.now() / 1000);
  const key = (secret: string) => new TextEncoder().encode(secret);
  const token = (claims: Record<string, unknown>, secret = TEST_SECRET) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key(secret));
  const full = { sub: user.id, jti: session.id, iss: "preau", aud: "preau", iat: now, exp: now + 600 };
  const b64 = (o: unknown) =>
    btoa(JSON.stringify(o)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");

  const meWith = async (t: string) => {
    const res = await app.request("/api/me", { headers: { cookie: `preau_session=${t}` } });
    return { status: res.status, code: errorCode(await res.json()) };
  };
  assertEquals((await meWith(await token(full))).status, 200, "the well-formed token works");
  const cases: Record<string, string> = {
    "wrong key": await token(full, "another-secret-of-at-least-thirty-two-chars"),
    "alg none": `${b64({ alg: "none", typ: "JWT" })}.${b64(full)}.`,
    "missing exp": await token({ ...full, exp: undefined }),
    "expired": await token({ ...full, iat: now - 7200, exp: now - 3600 }),
    "wrong audience": await token({ ...full, aud: "someone-else" }),
    "unknown session": await token({ ...full, jti: crypto.randomUUID() }),
    "garbage": "not.a.jwt",
  };
  for (const [label, t] of Object.entries(cases)) {
    assertEquals(await meWith(t), { status: 401, code: "unauthorized" }, label);
  }
});

dbTest("auth - unsafe requests from another origin are refused with 403", async (db) => {
  const { user } = await person(db);
  await withServer(db, { allowedOrigins: ["https://partner.example"] }, async (server) => {
    const cookie = await loginCookie(server.url, user.email);
    const foreign = await api(server.url, cookie, "/api/auth/logout", {
      method: "POST",
      headers: { origin: "https://evil.example" },
    });
    assertEquals(foreign.status, 403);
    assertEquals(errorCode(foreign.body), "forbidden");
    const crossSite = await api(server.url, cookie, "/api/auth/logout", {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site" },
    });
    assertEquals(crossSite.status, 403);
    assertEquals((await api(server.url, cookie, "/api/me")).status, 200, "refused requests changed nothing");
    const allowed = await api(server.url, cookie, "/api/auth/logout", {
      method: "POST",
      headers: { origin: "https://partner.example" },
    });
    assertEquals(allowed.status, 204);
  });
});

dbTest("auth - requests without a session get 401 unauthorized", async (db) => {
  const { app } = await createApp({
    db,
    config: { allowedOrigins: [], publicUrl: undefined },
    secret: TEST_SECRET,
  });
  for (
    const path of ["/api/me", "/api/conversations?establishmentId=x", "/api/recipients?establishmentId=x"]
  ) {
    const res = await app.request(path);
    assertEquals(res.status, 401, path);
    assertEquals(errorCode(await res.json()), "unauthorized");
  }
});

dbTest("auth - malformed login bodies get 400 naming the field", async (db) => {
  const { app } = await createApp({
    db,
    config: { allowedOrigins: [], publicUrl: undefined },
    secret: TEST_SECRET,
  });
  const cases: [string, RegExp][] = [
    ["", /body/],
    ["{not json", /body/],
    ["[]", /body/],
    [JSON.stringify({ password: "x" }), /email/],
    [JSON.stringify({ email: "a@b.c", password: 5 }), /password/],
  ];
  for (const [body, field] of cases) {
    const res = await app.request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assertEquals(res.status, 400, body);
    const json = await res.json();
    assertEquals(json.error.code, "bad_request");
    assertMatch(json.error.message, field);
  }
});
