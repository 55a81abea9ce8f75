/**
 * Préau under `deno serve`: `deno task serve` runs `deno serve -A --unstable-bundle --parallel
 * serve.ts`, one isolate per core (`DENO_JOBS` to choose), all on one port. Every isolate runs
 * this module: it builds everything like `server/start.ts` (database, migrations under their
 * advisory lock, app, realtime) and exports the fetch handler. Sockets of different isolates meet
 * through BroadcastChannel; other processes and hosts through PostgreSQL LISTEN/NOTIFY.
 *
 * It needs `DATABASE_URL` (and `PREAU_SECRET`): the embedded PGlite lives inside one isolate and
 * cannot be shared. Port and interface come from `deno serve --port/--host`, not `PORT`/`HOSTNAME`.
 *
 * Under `deno serve` the process never ends while a BroadcastChannel or a database connection is
 * open, so SIGTERM/SIGINT close the realtime core and the database here. (`deno serve` stops its
 * HTTP server first and closes open sockets itself with 1001; see docs/protocol.md.)
 */
import { ConfigError, loadConfig } from "./server/config.ts";
import { composePreau, startFailureMessage } from "./server/compose.ts";
import { Shutdown } from "./server/shutdown.ts";

const shutdown = new Shutdown();

/** The fetch handler `deno serve` calls with each request and its connection info. */
type FetchHandler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

async function build(): Promise<FetchHandler> {
  const config = loadConfig();
  if (config.databaseUrl === undefined || config.secret === undefined) {
    throw new ConfigError(
      "DATABASE_URL",
      "is required by `deno task serve`: its isolates cannot share the embedded PGlite. Set DATABASE_URL " +
        "and PREAU_SECRET, or run `deno task start` for the embedded database",
    );
  }
  const { app, setupToken } = await composePreau(config, shutdown, { parallel: true });
  // Each isolate prints its own link; any of them works until one is used.
  if (setupToken !== null) {
    console.log(`Setup: open ${config.publicUrl ?? "<this server's address>"}/setup?token=${setupToken}`);
  }
  return (req, info) => app.fetch(req, info);
}

let fetchHandler: FetchHandler;
try {
  fetchHandler = await build();
} catch (err) {
  await shutdown.shutdown({ log: () => {} });
  console.error(startFailureMessage(err));
  Deno.exit(1);
}

// `shutdown()` is idempotent: the second copy of a Ctrl-C (`deno task serve` forwards the signal the
// whole process group already got) joins the drain the first one started instead of cutting it short.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => void shutdown.shutdown());
}

// `info` travels on as hono's `c.env`: the client's address (login limits, sessions) comes from it.
export default {
  fetch: (req: Request, info: Deno.ServeHandlerInfo) => fetchHandler(req, info),
} satisfies Deno.ServeDefaultExport;
