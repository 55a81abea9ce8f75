/**
 * Préau as real child processes (`main.ts` under `deno run`, `serve.ts` under `deno serve`), for
 * tests of what only a whole process shows: several processes on one database, `--parallel`
 * isolates, signals, and the connection info the entry points pass on.
 */

import { openDatabase } from "../../db/open.ts";
import type { Database } from "../../db/types.ts";
import { newPostgresDatabaseUrl } from "./databases.ts";
import { TEST_SECRET } from "./server.ts";
import { settlesWithin, sleep } from "../../util/timeout.ts";

/** The project root, where the child processes run. */
export const ROOT = new URL("../..", import.meta.url).pathname;

/** A Préau process and what it printed. */
export interface Running {
  url: string;
  child: Deno.ChildProcess;
  output(): string;
  /** SIGTERM, then the exit status (SIGKILL after `ms`). */
  stop(ms?: number): Promise<Deno.CommandStatus>;
}

/** Options of {@linkcode spawnPreau}. */
export interface SpawnOptions {
  /**
   * Runs it as the leader of a process group of its own (through `setsid`), like a command typed in
   * a terminal: `Deno.kill(-child.pid, "SIGINT")` then plays Ctrl-C, which reaches every process
   * of the group (`deno task` and the server it runs). Default false.
   */
  processGroup?: boolean;
}

/** Spawns `deno <args>` in the project and waits until it prints its URL and `/readyz` answers 200. */
export async function spawnPreau(
  args: string[],
  env: Record<string, string>,
  urlPattern: RegExp,
  options: SpawnOptions = {},
): Promise<Running> {
  const [command, commandArgs] = options.processGroup
    ? ["setsid", [Deno.execPath(), ...args]]
    : [Deno.execPath(), args];
  const child = new Deno.Command(command, {
    args: commandArgs,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const running: Running = {
    url: "",
    child,
    output: () => text,
    async stop(ms = 15_000) {
      // A process group is stopped whole: its server child would otherwise outlive `deno task`.
      const kill = (signal: Deno.Signal) => {
        try {
          if (options.processGroup) Deno.kill(-child.pid, signal);
          else child.kill(signal);
        } catch { /* already gone */ }
      };
      if (!exited) kill("SIGTERM");
      if (!(await settlesWithin(status, ms)) && !exited) kill("SIGKILL");
      const result = await status;
      await drained;
      return result;
    },
  };
  try {
    const deadline = Date.now() + 60_000;
    let match: RegExpMatchArray | null = null;
    while (!(match = text.match(urlPattern))) {
      if (exited || Date.now() > deadline) throw new Error(`no URL printed; output:\n${text}`);
      await sleep(50);
    }
    running.url = match[1]!;
    while (
      (await fetch(`${running.url}/readyz`).then((r) => (r.body?.cancel(), r.status), () => 0)) !== 200
    ) {
      if (exited || Date.now() > deadline) throw new Error(`/readyz never answered 200; output:\n${text}`);
      await sleep(100);
    }
    return running;
  } catch (error) {
    await running.stop(1000);
    throw error;
  }
}

/** `main.ts` under `deno run`, as `deno task start` runs it, on 127.0.0.1 and `port` (0: a free one). */
export function spawnMain(env: Record<string, string>, port = 0): Promise<Running> {
  return spawnPreau(
    ["run", "-A", "--unstable-bundle", "main.ts"],
    { PORT: String(port), HOSTNAME: "127.0.0.1", ...env },
    /running at (http:\/\/127\.0\.0\.1:\d+)/,
  );
}

/**
 * `deno serve --parallel` of `serve.ts` with `jobs` isolates on 127.0.0.1 and a free port, as
 * `deno task serve` runs it; `env` needs `DATABASE_URL` and `PREAU_SECRET`.
 */
export function spawnServe(env: Record<string, string>, jobs = 2): Promise<Running> {
  return spawnPreau(
    ["serve", "-A", "--unstable-bundle", "--parallel", "--host", "127.0.0.1", "--port", "0", "serve.ts"],
    { DENO_JOBS: String(jobs), ...env },
    /Listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
}

/**
 * Runs `fn` against {@linkcode spawnServe} on a new PostgreSQL database, with a `db` handle of the
 * test's own on it (created after the start, so migrations are applied); stops and closes both after.
 */
export async function withServe(
  jobs: number,
  fn: (cluster: { served: Running; db: Database }) => Promise<void>,
): Promise<void> {
  const databaseUrl = await newPostgresDatabaseUrl();
  const served = await spawnServe({ DATABASE_URL: databaseUrl, PREAU_SECRET: TEST_SECRET }, jobs);
  const db = await openDatabase({ databaseUrl, dataDir: "memory://", poolSize: 2 });
  try {
    await fn({ served, db });
  } finally {
    await served.stop(1000);
    await db.close();
  }
}
