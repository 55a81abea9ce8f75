/**
 * Real Préau servers for integration tests: `createApp` over a test database, served by
 * `Deno.serve` on a free loopback port, plus helpers to sign people in.
 */
import type { Database } from "../../db/types.ts";
import type { Role, User } from "../../db/models.ts";
import { makeUser } from "../../db/factories.ts";
import { hashPassword } from "../../domain/passwords.ts";
import { type AppOptions, createApp, type PreauApp } from "../../server/app.ts";
import { parseAddressRanges } from "../../server/client_address.ts";
import type { RealtimeOptions } from "../../realtime/options.ts";
import type { MailService } from "../../domain/mail/mail_service.ts";
import { settlesWithin } from "../../util/timeout.ts";

/** The session key of every test server (any instance can read any other's tokens). */
export const TEST_SECRET = "test-secret-of-at-least-thirty-two-characters";
/** The password of every user made by {@linkcode makeLoginUser}. */
export const TEST_PASSWORD = "correct horse battery staple";

let passwordHash: Promise<string> | undefined;

/** A member of `establishmentId` with `role` who can log in with {@linkcode TEST_PASSWORD}. */
export async function makeLoginUser(
  db: Database,
  opts: { establishmentId: string; role: Role; name?: string; email?: string },
): Promise<User> {
  return await makeUser(db, { ...opts, passwordHash: await (passwordHash ??= hashPassword(TEST_PASSWORD)) });
}

/** A running test server. */
export interface TestServer extends PreauApp {
  /** e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Closes its sockets (1012) and stops the server (not the database, which tests share). */
  close(): Promise<void>;
}

/** Options of {@linkcode startTestServer}. */
export interface TestServerOptions {
  allowedOrigins?: string[];
  /** Realtime tiers and limits, e.g. `{ tiers: ["local", "postgres"] }` for cross-instance tests. */
  realtime?: RealtimeOptions;
  /** Session lifetime, e.g. `{ ttlSeconds: 2 }` to see sessions expire. */
  sessions?: AppOptions["sessions"];
  /** `PREAU_TRUSTED_PROXIES`, e.g. `"127.0.0.1"` to play a load balancer. Default: none. */
  trustedProxies?: string;
  /** The mail service (see `tests/support/mail.ts`); default: an unstarted one writing to a temp outbox. */
  mail?: MailService;
  /** The port to listen on (a restart on the same address); default: a free one. */
  port?: number;
}

/** Serves a fresh app over `db` on 127.0.0.1 and a free port. */
export async function startTestServer(db: Database, opts: TestServerOptions = {}): Promise<TestServer> {
  const preau = await createApp({
    db,
    config: {
      allowedOrigins: opts.allowedOrigins ?? [],
      publicUrl: undefined,
      trustedProxies: parseAddressRanges(opts.trustedProxies ?? ""),
    },
    secret: TEST_SECRET,
    realtime: opts.realtime,
    sessions: opts.sessions,
    mail: opts.mail,
  });
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { port: opts.port ?? 0, hostname: "127.0.0.1", onListen: (addr) => listening.resolve(addr) },
    preau.app.fetch,
  );
  const addr = await listening.promise;
  return {
    ...preau,
    url: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      // Sockets first: open WebSockets would keep the server's shutdown waiting.
      await preau.close();
      // Bounded like the real shutdown (server/shutdown.ts): a connection whose peer vanished
      // (a browser closed mid-request) must not keep the test waiting for ever.
      if (!(await settlesWithin(server.shutdown(), 5_000))) {
        console.warn("test server: shutdown still waiting on a connection after 5 s; moving on");
      }
    },
  };
}

/** Runs `fn` with a test server over `db` (see {@linkcode startTestServer}) and always closes it. */
export async function withServer<T>(
  db: Database,
  optsOrFn: TestServerOptions | ((server: TestServer) => Promise<T>),
  maybeFn?: (server: TestServer) => Promise<T>,
): Promise<T> {
  const [opts, fn] = typeof optsOrFn === "function" ? [{}, optsOrFn] : [optsOrFn, maybeFn!];
  const server = await startTestServer(db, opts);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

/** Logs in through the real endpoint and returns the `Cookie` header value to send afterwards. */
export async function loginCookie(base: string, email: string, password = TEST_PASSWORD): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`login of ${email} answered ${res.status}: ${text}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("preau_session="));
  if (!cookie) throw new Error(`login of ${email} set no preau_session cookie`);
  return cookie.split(";")[0]!;
}

/** `fetch` against the test server with the session cookie and JSON helpers. */
export async function api(
  base: string,
  cookie: string | undefined,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (cookie) headers.cookie = cookie;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined
      ? undefined
      : typeof init.body === "string"
      ? init.body
      : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}
