/**
 * `deno task test [deno test args…]`: runs the test suite against both database backends. Starts a
 * throwaway PostgreSQL cluster, runs `deno test` with `PREAU_TEST_PG_URL` pointing at it, then stops
 * and removes the cluster — also when tests fail or the run is interrupted — and exits with the
 * test run's exit code.
 *
 * Without PostgreSQL server binaries the suite still runs on PGlite alone (the `[postgres]` variants are
 * reported as ignored), except on CI (`CI` set), where a missing backend is an error. With
 * `PREAU_TEST_PG_URL` already set (a superuser URL of a server of your own), no cluster is started.
 */
import { PostgresBinariesMissingError, startPostgresCluster } from "../tests/support/postgres_cluster.ts";

const DENO_TEST_FLAGS = ["test", "-A", "--unstable-bundle", "--unstable-broadcast-channel"];

async function main(args: string[]): Promise<number> {
  const interrupted = new AbortController();
  let child: Deno.ChildProcess | undefined;
  let interruptedCode = 0;
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = (signal: Deno.Signal) => () => {
    interruptedCode = signal === "SIGINT" ? 130 : 143;
    interrupted.abort(new Error(`interrupted by ${signal}`));
    // The terminal sends SIGINT to the whole process group; a SIGTERM aimed at us alone is passed on.
    try {
      child?.kill(signal);
    } catch { /* already exited */ }
  };
  const handlers = signals.map((signal) => [signal, onSignal(signal)] as const);
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);

  let cluster: Awaited<ReturnType<typeof startPostgresCluster>> | undefined;
  try {
    const env: Record<string, string> = {};
    const ownServer = Deno.env.get("PREAU_TEST_PG_URL");
    try {
      if (!ownServer) {
        cluster = await startPostgresCluster({ signal: interrupted.signal });
        env.PREAU_TEST_PG_URL = cluster.url;
      }
    } catch (error) {
      if (interrupted.signal.aborted) return interruptedCode;
      if (!(error instanceof PostgresBinariesMissingError)) throw error;
      if (Deno.env.get("CI")) {
        console.error(`error: ${error.message}\nCI must test both database backends.`);
        return 1;
      }
      console.warn(`warning: ${error.message}\nRunning on PGlite only; [postgres] tests will be ignored.`);
    }
    const command = new Deno.Command(Deno.execPath(), {
      args: [...DENO_TEST_FLAGS, ...args],
      env,
      stdin: "inherit",
      stdout: "piped",
      stderr: "inherit",
    });
    if (interrupted.signal.aborted) return interruptedCode;
    child = command.spawn();
    const tail = await teeTail(child.stdout);
    const status = await child.status;
    console.log(
      interrupted.signal.aborted
        ? "test run interrupted; the throwaway cluster is being removed"
        : cluster
        ? `database backends tested: pglite, postgres (throwaway cluster at ${cluster.url})`
        : ownServer
        ? "database backends tested: pglite, postgres (PREAU_TEST_PG_URL from the environment)"
        : "database backends tested: pglite only (PostgreSQL binaries missing; [postgres] tests ignored)",
    );
    const summary = summaryLine(tail);
    if (summary) console.log(summary);
    return interrupted.signal.aborted ? interruptedCode : status.code;
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
    await cluster?.stop();
  }
}

/** Copies `stream` to our stdout as it comes and returns its last few kilobytes. */
async function teeTail(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let tail = "";
  for await (const chunk of stream) {
    await Deno.stdout.write(chunk);
    tail = (tail + decoder.decode(chunk, { stream: true })).slice(-8192);
  }
  return tail;
}

/**
 * Restates `deno test`'s closing line ("ok | 12 passed | 0 failed | 1 ignored") in the plain form CI
 * tools read: "tests: 12 passed, 0 failed, 1 skipped".
 */
export function summaryLine(output: string): string | undefined {
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const matches = [
    ...plain.matchAll(
      /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/g,
    ),
  ];
  const last = matches.at(-1);
  if (!last) return undefined;
  const skipped = last[3] ? `, ${last[3]} skipped` : "";
  return `tests: ${last[1]} passed, ${last[2]} failed${skipped}`;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
