/**
 * Builds the whole HTTP application: health probes, the WebSocket endpoint `/ws/chat`, then the
 * file-system routes (pages and REST), with every request's `ctx.state` prefilled with the services.
 * Tests call `createApp` and use `app.request()`; `server/start.ts` serves it. The realtime core is
 * started here (LISTEN on PostgreSQL); whoever serves the app closes it (`services.realtime.close()`)
 * before the database.
 */
import { Hono } from "hono";
import { compress } from "hono/compress";
import { fileURLToPath } from "node:url";
import { type MountedRoutes, mountFsRoutes, type SourceOptions } from "../framework/mod.ts";
import { Argon2Pool } from "../domain/argon2_pool.ts";
import { type AuthOptions, createAuthService } from "../domain/auth.ts";
import { EventHub } from "../domain/events.ts";
import { databaseRateLimits, LIMITS } from "../domain/limits.ts";
import { UNKNOWN_ADDRESS } from "./client_address.ts";
import { clientAddress } from "./session.ts";
import { createMessaging } from "../domain/messaging.ts";
import { createPasswordReset } from "../domain/password_reset.ts";
import { pendingMigrations } from "../db/migration_status.ts";
import { createRealtime } from "../realtime/realtime.ts";
import { createMailService, type MailService } from "../domain/mail/mail_service.ts";
import { outboxTransport } from "../domain/mail/transport.ts";
import type { RealtimeOptions } from "../realtime/options.ts";
import type { Database } from "../db/types.ts";
import type { Config } from "./config.ts";
import { mountHealth } from "./health.ts";
import { apiErrorAnswer, limitBodies, pageError } from "./http.ts";
import { MAX_IMPORT_BYTES } from "../domain/class_import_csv.ts";
import { securityHeaders } from "./security_headers.ts";
import { createUpgradeHandler } from "./ws_route.ts";
import type { AppState, Services } from "./state.ts";

/** The page that accepts a class list upload (`routes/[locale]/admin/classes/import.tsx`). */
const CLASS_IMPORT_PATH = /^\/[a-z]{2}\/admin\/classes\/import$/;

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * What the client build is made from: the islands and whatever they import from the project, minus
 * the folders that never reach the browser. `deno task build` (`scripts/build.ts`) uses the same,
 * so a start recognises its prebuilt client as current.
 */
export const CLIENT_SOURCES: SourceOptions = {
  islandsDir: `${ROOT}islands`,
  sourceDir: ROOT,
  ignoreDirs: ["tests", "bench", "docs", "data", "static", "scripts"],
};

/** The REST API answers every error in JSON, never with a page. */
export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  db: Database;
  /** Origins, public URL and trusted proxies (see `server/config.ts`); default: no trusted proxy. */
  config: Pick<Config, "allowedOrigins" | "publicUrl"> & Partial<Pick<Config, "trustedProxies">>;
  /** The session-token key (≥ 32 characters). */
  secret: string;
  /** True while draining; readiness then answers 503. Default: never. */
  isStopping?: () => boolean;
  /** Build islands unminified in memory, ignoring `_build/`. Default `false`. */
  dev?: boolean;
  /** Session lifetime and renewal (see `domain/auth.ts`). Default: 7 days, renewed after a day of use. */
  sessions?: Pick<AuthOptions, "ttlSeconds" | "renewAfterSeconds">;
  /** Realtime tiers and limits (see `realtime/options.ts`). Default: the documented protocol. */
  realtime?: RealtimeOptions;
  /**
   * The mail service (`server/compose.ts` builds it from the configuration). Default: one writing to an
   * outbox in the system temp directory, never started (tests that send mail pass their own).
   */
  mail?: MailService;
}

/** The built application and what it holds. */
export interface PreauApp {
  app: Hono;
  services: Services;
  routes: MountedRoutes;
  /**
   * Closes what the app itself runs: the realtime core (drain, 1012, bus) and the password-hashing
   * workers. Idempotent. The database and the mail service belong to whoever passed them in.
   */
  close(): Promise<void>;
}

/** Composes services and routes into one hono app. */
export async function createApp(opts: AppOptions): Promise<PreauApp> {
  const events = new EventHub();
  // One store for every shared limit of this instance (logins, sends, REST), kept in the database.
  const limits = databaseRateLimits(opts.db);
  // This app's own hashing workers, stopped by `close()` (nothing of it outlives the app).
  const passwords = new Argon2Pool();
  const auth = createAuthService(opts.db, {
    ...opts.sessions,
    secret: opts.secret,
    events,
    limits,
    argon2: passwords.argon2,
  });
  // The send limit is named among the realtime options (where a deployment tunes its sockets);
  // the domain applies it to every send, socket or REST.
  const sendRate = opts.realtime?.sendRate;
  const messaging = createMessaging(opts.db, events, {
    ...(sendRate && {
      sendLimit: {
        name: LIMITS.sends.name,
        capacity: sendRate.capacity,
        refillPerSecond: sendRate.perSecond,
      },
    }),
  });
  const originPolicy = { allowedOrigins: opts.config.allowedOrigins, publicUrl: opts.config.publicUrl };
  const isStopping = opts.isStopping ?? (() => false);
  const realtime = createRealtime(
    { db: opts.db, messaging, events, isStopping },
    opts.realtime,
  );
  const mail = opts.mail ?? createMailService({
    db: opts.db,
    transport: outboxTransport(`${Deno.env.get("TMPDIR") ?? "/tmp"}/preau-outbox-${crypto.randomUUID()}`),
    from: { name: "Préau", address: "preau@localhost" },
    baseUrl: opts.config.publicUrl ?? "http://localhost:8000",
    secret: opts.secret,
  });
  const services: Services = {
    db: opts.db,
    events,
    auth,
    messaging,
    limits,
    originPolicy,
    trustedProxies: opts.config.trustedProxies ?? [],
    realtime,
    mail,
    passwordReset: createPasswordReset({ db: opts.db, events, mail }),
    isStopping,
    migrationsApplied: async () => (await pendingMigrations(opts.db)).length === 0,
  };

  const app = new Hono();
  app.use("*", securityHeaders({ hsts: originPolicy.publicUrl?.startsWith("https:") ?? false }));
  // The class-list import page posts a CSV (up to MAX_IMPORT_BYTES, then back as base64 to apply it).
  const defaultLimit = limitBodies();
  const importLimit = limitBodies(3 * MAX_IMPORT_BYTES);
  app.use("*", (c, next) => (CLASS_IMPORT_PATH.test(c.req.path) ? importLimit : defaultLimit)(c, next));
  // gzip/deflate for browsers that accept it: pages, assets and lists. Not the API's answers to
  // writes: they are a few hundred bytes, and hono compresses every response it cannot size (c.json
  // sets no Content-Length), which cost each REST send a compression stream.
  const compressing = compress();
  app.use(
    "*",
    (c, next) => c.req.method !== "GET" && c.req.path.startsWith("/api/") ? next() : compressing(c, next),
  );
  mountHealth(app, {
    // A handle whose statements are failing answers "not ready" at once: a probe's own query would
    // wait for the pool to reconnect, and answer "ready" if the server came back meanwhile.
    // A check whose own query waited through an outage (the server went away and came back while it
    // waited for the pool) says so too: requests failed meanwhile.
    databaseReady: async () => {
      const outages = opts.db.outages();
      return opts.db.reachable() && await services.migrationsApplied() && opts.db.outages() === outages;
    },
    isStopping: services.isStopping,
  });
  app.use("*", async (c, next) => {
    const state: AppState = { services };
    c.set("state", state);
    await next();
  });
  // Before the fs routes, whose catch-all 404 would otherwise answer first.
  // The client's address (behind trusted proxies) caps its sockets; unknown, no cap applies.
  const upgrade = createUpgradeHandler({ auth, originPolicy, realtime });
  app.get("/ws/chat", (c) => {
    const address = clientAddress(c, services.trustedProxies);
    return upgrade(c.req.raw, address === UNKNOWN_ADDRESS ? undefined : address);
  });
  const routes = await mountFsRoutes(app, {
    ...CLIENT_SOURCES,
    routesDir: `${ROOT}routes`,
    staticDir: `${ROOT}static`,
    isJsonPath: isApiPath,
    jsonError: apiErrorAnswer,
    translateError: pageError,
    dev: opts.dev ?? false,
  });
  const close = async () => {
    await realtime.close();
    passwords.close();
  };
  try {
    await realtime.start();
  } catch (error) {
    await close();
    throw error;
  }
  return { app, services, routes, close };
}
