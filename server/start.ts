/**
 * Starts Préau for `deno task start`: composes it (`server/compose.ts`), serves it over HTTP, prints
 * the URL and demo logins, and returns a shutdown that drains and closes everything in reverse.
 */
import { DEMO_PASSWORD } from "../db/seed.ts";
import type { Config } from "./config.ts";
import { composePreau } from "./compose.ts";
import { Shutdown } from "./shutdown.ts";

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

  try {
    const { app, services, setupToken } = await composePreau(config, shutdown, { log, dev: opts.dev });

    const listening = Promise.withResolvers<Deno.NetAddr>();
    const server = Deno.serve(
      { port: config.port, hostname: config.hostname, onListen: (addr) => listening.resolve(addr) },
      // `info` becomes hono's `c.env`, where `server/session.ts` reads the client's address.
      (req, info) => app.fetch(req, info),
    );
    shutdown.add("http server", async () => {
      // Sockets first (drain in-flight sends, close with 1012): open WebSockets would keep the HTTP
      // server's shutdown waiting. Idempotent, so the "app" closer below has only the hashing workers left to stop.
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
    if (setupToken !== null) {
      log(`Setup: open ${config.publicUrl ?? url}/setup?token=${setupToken}`);
    } else if (embedded && config.demo) {
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
