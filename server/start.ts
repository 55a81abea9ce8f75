/**
 * Starts Préau: database (PGlite or PostgreSQL), migrations, demo data on the embedded default,
 * the secret, the app, the HTTP server, and a shutdown that drains and closes them in reverse.
 */
import { openDatabase } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";
import { seedDemo } from "../db/seed.ts";
import { hashPassword } from "../domain/passwords.ts";
import { deploymentOptions } from "../realtime/options.ts";
import type { Config } from "./config.ts";
import { createApp } from "./app.ts";
import { resolveSecret } from "./secret.ts";
import { Shutdown } from "./shutdown.ts";

/** The password of every demo account (documented in the README). */
export const DEMO_PASSWORD = "preau-demo";

/** Options of {@linkcode startPreau}. */
export interface StartOptions {
  /** Lines for people (URL, demo logins, shutdown steps). Default `console.log`. */
  log?: (line: string) => void;
  /** Build islands unminified in memory. Default `false`. */
  dev?: boolean;
}

/** A running Préau. */
export interface RunningPreau {
  /** Where it listens, e.g. `http://localhost:8000`. */
  url: string;
  /** Stops accepting, drains, closes the database; idempotent. */
  shutdown: Shutdown;
}

/** Starts everything `config` asks for and resolves once the server listens. */
export async function startPreau(config: Config, opts: StartOptions = {}): Promise<RunningPreau> {
  const log = opts.log ?? console.log;
  const shutdown = new Shutdown();
  const embedded = config.databaseUrl === undefined;

  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  shutdown.add("database", () => db.close());
  try {
    const { applied } = await migrate(db);
    if (applied.length > 0) log(`database: applied ${applied.join(", ")}`);
    if (embedded) {
      const seeded = await seedDemo(db, { passwordHash: await hashPassword(DEMO_PASSWORD) });
      if (seeded.created) log("database: seeded the demo establishments");
    }
    const secret = await resolveSecret({ secret: config.secret, dataDir: config.dataDir });
    const { app, services } = await createApp({
      db,
      config,
      secret,
      dev: opts.dev,
      isStopping: () => shutdown.stopping,
      realtime: deploymentOptions(config.databaseUrl),
    });
    shutdown.add("realtime", () => services.realtime.close());

    const listening = Promise.withResolvers<Deno.NetAddr>();
    const server = Deno.serve(
      { port: config.port, hostname: config.hostname, onListen: (addr) => listening.resolve(addr) },
      app.fetch,
    );
    shutdown.add("http server", async () => {
      // Sockets first (drain in-flight sends, close with 1012): open WebSockets would keep the HTTP
      // server's shutdown waiting. Idempotent, so the "realtime" closer below has nothing left to do.
      await services.realtime.close();
      await server.shutdown();
    });
    const addr = await listening.promise;
    const host = addr.hostname === "0.0.0.0" || addr.hostname === "::" ? "localhost" : addr.hostname;
    const url = `http://${host}:${addr.port}`;
    log(
      `Préau is running at ${url} (database: ${
        embedded ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL"
      })`,
    );
    if (embedded) {
      log(
        `Demo logins (password "${DEMO_PASSWORD}"): parent.dupont@example.test (parent), ` +
          `m.martin@jules-ferry.test (teacher), direction@jules-ferry.test (admin); see README.md for all.`,
      );
    }
    return { url, shutdown };
  } catch (err) {
    await shutdown.shutdown({ log: () => {} });
    throw err;
  }
}
