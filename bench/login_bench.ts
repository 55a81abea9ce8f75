/**
 * What concurrent logins cost everyone else: the round trip of another person's WebSocket ping
 * while ten logins are always in flight (embedded PGlite, one instance). Argon2id runs in the worker
 * pool (domain/argon2_pool.ts), so the second row should stay near the first; with hashing on the
 * event loop it was hundreds of milliseconds. Timings only; tests/api_limits_test.ts asserts the
 * behaviour with a generous bound.
 */
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { migrate } from "../db/migrate.ts";
import { makeEstablishment } from "../db/factories.ts";
import { elapseRateLimits } from "../db/rate_limits.ts";
import { loginCookie, makeLoginUser, startTestServer } from "../tests/support/server.ts";
import { connect } from "../tests/support/realtime_fixtures.ts";

const unlimited = { capacity: 1e9, perSecond: 1e9 };
const db = await createPGliteDatabase("memory://");
await migrate(db);
const server = await startTestServer(db, { realtime: { frameRate: unlimited } });
const school = await makeEstablishment(db);
const watcher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
const { client } = await connect(server, {
  user: watcher,
  cookie: await loginCookie(server.url, watcher.email),
});
const accounts = await Promise.all(
  Array.from({ length: 10 }, () => makeLoginUser(db, { establishmentId: school.id, role: "parent" })),
);

async function ping(): Promise<void> {
  client.send({ type: "ping" });
  await client.nextOfType("pong");
}

Deno.bench("login - a ping, nobody signing in", { group: "ping", baseline: true }, async () => {
  await ping();
});

let load: Promise<void> | undefined;
let stop = false;
Deno.bench("login - a ping while ten people keep signing in", { group: "ping" }, async () => {
  // Ten login loops, started once; the login limits are forgiven as they go (this measures hashing).
  load ??= Promise.all(accounts.map(async (user) => {
    while (!stop) {
      await loginCookie(server.url, user.email);
      await elapseRateLimits(db, user.email.toLowerCase(), 3600);
      await elapseRateLimits(db, "127.0.0.1", 3600);
    }
  })).then(() => {});
  await ping();
});

globalThis.addEventListener("unload", () => stop = true);
