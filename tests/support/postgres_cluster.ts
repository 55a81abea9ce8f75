/**
 * A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary directory, start `postgres` on
 * a free loopback port, hand back a superuser URL, and remove everything on `stop()`. Uses the Debian
 * server binaries (`/usr/lib/postgresql/<version>/bin`, highest version wins; `PREAU_PG_BINDIR` overrides).
 * PostgreSQL refuses to run as root, so as root the directory is given to the `postgres` user and every
 * binary runs through `runuser -u postgres --`.
 */
import { backoffDelay } from "../../util/backoff.ts";
import { settlesWithin, sleep } from "../../util/timeout.ts";

/** A running test cluster. */
export interface PostgresCluster {
  /** Superuser URL, e.g. `postgres://postgres@127.0.0.1:54321/postgres` (trust auth, loopback only). */
  url: string;
  /** Temporary folder holding the data directory and the Unix socket; gone after `stop()`. */
  dir: string;
  /** Stops the server (fast shutdown) and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
  /**
   * Stops the server with `pg_ctl stop -m <mode>` and starts it again on the same port and data
   * directory, resolving once it accepts connections (fault tests: a database restart).
   */
  restart(mode: "fast" | "immediate", opts?: { signal?: AbortSignal }): Promise<void>;
}

/** Raised when the server binaries are not installed; callers may treat this as "skip Postgres". */
export class PostgresBinariesMissingError extends Error {
  constructor(detail: string) {
    super(
      `PostgreSQL server binaries not found (${detail}). Install them with \`apt-get install postgresql\` ` +
        "or point PREAU_PG_BINDIR at the folder holding initdb, postgres and pg_ctl.",
    );
    this.name = "PostgresBinariesMissingError";
  }
}

const STARTUP_DEADLINE_MS = 30_000;
const BIND_ATTEMPTS = 3;

/** Finds the folder with `initdb`, `postgres`, `pg_ctl` and `pg_isready`. */
export function findPostgresBinDir(): string {
  const wanted = ["initdb", "postgres", "pg_ctl", "pg_isready"];
  const override = Deno.env.get("PREAU_PG_BINDIR");
  const candidates: string[] = [];
  if (override) {
    candidates.push(override);
  } else {
    try {
      const versions = [...Deno.readDirSync("/usr/lib/postgresql")]
        .filter((e) => e.isDirectory && /^\d+(\.\d+)?$/.test(e.name))
        .map((e) => e.name)
        .sort((a, b) => Number(b) - Number(a));
      candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
    } catch {
      throw new PostgresBinariesMissingError("/usr/lib/postgresql does not exist");
    }
  }
  for (const dir of candidates) {
    if (wanted.every((bin) => isFile(`${dir}/${bin}`))) return dir;
  }
  throw new PostgresBinariesMissingError(
    `looked in ${candidates.length ? candidates.join(", ") : "/usr/lib/postgresql/*/bin"} for ${
      wanted.join(", ")
    }`,
  );
}

/**
 * Starts a fresh cluster. Aborting `signal` while starting stops it again and rejects. `settings`
 * override the server's (e.g. `{ synchronous_commit: "on" }` where an immediate restart must not lose
 * acknowledged commits; the default trades that for speed).
 */
export async function startPostgresCluster(
  opts: { signal?: AbortSignal; settings?: Record<string, string> } = {},
): Promise<PostgresCluster> {
  const settings = opts.settings ?? {};
  const binDir = findPostgresBinDir();
  const asRoot = Deno.uid() === 0;
  const owner = asRoot ? postgresUser() : undefined;
  const root = await Deno.makeTempDir({ prefix: "preau-pg-" });
  const dataDir = `${root}/data`;
  const socketDir = `${root}/sock`;
  let server: Deno.ChildProcess | undefined;
  let stopped: Promise<void> | undefined;

  const run = (bin: string, args: string[]) => command(binDir, bin, args, asRoot, root);

  const stop = () =>
    stopped ??= (async () => {
      if (server) await stopServer(server, () => run("pg_ctl", ["stop", "-D", dataDir, "-m", "fast", "-w"]));
      await Deno.remove(root, { recursive: true }).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    })();

  try {
    await Deno.mkdir(socketDir);
    if (owner) {
      for (const path of [root, socketDir]) await Deno.chown(path, owner.uid, owner.gid);
    }
    const init = await run("initdb", [
      "-D",
      dataDir,
      "--auth=trust",
      "--username=postgres",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ]).output();
    if (!init.success) {
      throw new Error(`initdb failed (exit ${init.code}): ${decode(init.stderr) || decode(init.stdout)}`);
    }
    for (let attempt = 1;; attempt++) {
      opts.signal?.throwIfAborted();
      const port = freeLoopbackPort();
      const started = spawnServer(run, dataDir, socketDir, port, settings);
      server = started.process;
      const outcome = await waitUntilReady(run, started, port, opts.signal);
      if (outcome === "ready") {
        const restart = async (mode: "fast" | "immediate", restartOpts: { signal?: AbortSignal } = {}) => {
          const previous = server;
          const halted = await run("pg_ctl", ["stop", "-D", dataDir, "-m", mode, "-w"]).output();
          if (!halted.success) throw new Error(`pg_ctl stop -m ${mode} failed: ${decode(halted.stderr)}`);
          if (previous && !(await settlesWithin(previous.status, 10_000))) {
            throw new Error(`postgres did not exit within 10 s of pg_ctl stop -m ${mode}`);
          }
          const again = spawnServer(run, dataDir, socketDir, port, settings);
          server = again.process;
          if (await waitUntilReady(run, again, port, restartOpts.signal) !== "ready") {
            throw new Error(`postgres could not bind port ${port} again after a restart: ${again.log()}`);
          }
        };
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir: root, stop, restart };
      }
      // The port was taken between probing and binding; try another one.
      server = undefined;
      if (attempt >= BIND_ATTEMPTS) {
        throw new Error(`postgres could not bind a loopback port: ${started.log()}`);
      }
    }
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

type Run = (bin: string, args: string[]) => Deno.Command;

interface Started {
  process: Deno.ChildProcess;
  exited: Promise<Deno.CommandStatus>;
  /** The last lines the server printed (for error messages). */
  log(): string;
}

function spawnServer(
  run: Run,
  dataDir: string,
  socketDir: string,
  port: number,
  settings: Record<string, string>,
): Started {
  const process = run("postgres", [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-k",
    socketDir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
    ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
  ]).spawn();
  let tail = "";
  // Drain both pipes so the server never blocks on a full pipe; keep the tail for error messages.
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) tail = (tail + decoder.decode(chunk, { stream: true })).slice(-8000);
  };
  const drained = Promise.all([drain(process.stdout), drain(process.stderr)]).catch(() => {});
  const exited = process.status.then(async (status) => (await drained, status));
  return { process, exited, log: () => tail.trim() };
}

/** Polls `pg_isready` until the server accepts connections, the server exits, or the deadline passes. */
async function waitUntilReady(
  run: Run,
  started: Started,
  port: number,
  signal: AbortSignal | undefined,
): Promise<"ready" | "port-taken"> {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let exited: Deno.CommandStatus | undefined;
  started.exited.then((s) => exited = s);
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    signal?.throwIfAborted();
    const probe = await run("pg_isready", ["-h", "127.0.0.1", "-p", String(port), "-t", "1"]).output();
    if (probe.success) return "ready";
    if (exited) {
      await started.exited;
      if (/could not bind|Address already in use/i.test(started.log())) return "port-taken";
      throw new Error(`postgres exited with code ${exited.code} while starting:\n${started.log()}`);
    }
    await sleep(backoffDelay(attempt, { baseMs: 40, maxMs: 250 }), signal);
  }
  throw new Error(
    `postgres did not accept connections on 127.0.0.1:${port} within ${STARTUP_DEADLINE_MS} ms:\n${started.log()}`,
  );
}

async function stopServer(server: Deno.ChildProcess, pgCtlStop: () => Deno.Command): Promise<void> {
  const stop = await pgCtlStop().output();
  const exited = await settlesWithin(server.status, 10_000);
  if (!stop.success || !exited) {
    // pg_ctl could not stop it in time: kill what we spawned and wait for it.
    try {
      server.kill("SIGKILL");
    } catch { /* already gone */ }
    await server.status;
  }
}

function command(binDir: string, bin: string, args: string[], asRoot: boolean, cwd: string): Deno.Command {
  const path = `${binDir}/${bin}`;
  const options = { cwd, stdin: "null", stdout: "piped", stderr: "piped" } as const;
  return asRoot
    ? new Deno.Command("runuser", { ...options, args: ["-u", "postgres", "--", path, ...args] })
    : new Deno.Command(path, { ...options, args });
}

function postgresUser(): { uid: number; gid: number } {
  const line = Deno.readTextFileSync("/etc/passwd").split("\n").find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (!uid || !gid) {
    throw new PostgresBinariesMissingError(
      "running as root but there is no `postgres` user to run the server as; the postgresql package creates it",
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function freeLoopbackPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).trim();
}
