/**
 * Captures what the code under test writes to the console, for tests that check what the server
 * log receives (e.g. "a client mistake logs at most one line, never a stack trace"). Test servers
 * run in the test's isolate, so their console is this one.
 */

const METHODS = ["error", "warn", "info", "log", "debug"] as const;

/** Console output captured since {@linkcode captureLog}, as the lines Deno would print. */
export interface CapturedLog extends Disposable {
  /** Every line written so far (a message of several lines counts as several). */
  readonly lines: readonly string[];
  /** Puts the console back (also done by `using`). */
  restore(): void;
}

/** Replaces the console's writing methods until `restore()` (or the end of a `using` scope). */
export function captureLog(): CapturedLog {
  const saved = METHODS.map((name) => [name, console[name]] as const);
  const lines: string[] = [];
  for (const name of METHODS) {
    console[name] = (...args: unknown[]) => {
      const text = args.map((arg) => typeof arg === "string" ? arg : Deno.inspect(arg)).join(" ");
      lines.push(...text.split("\n"));
    };
  }
  const restore = () => {
    for (const [name, fn] of saved) console[name] = fn;
  };
  return { lines, restore, [Symbol.dispose]: restore };
}

/**
 * Runs `request` and asserts that it wrote at most one log line and no stack trace; returns its
 * result. `what` names the request in the failure message.
 */
export async function atMostOneLogLine<T>(
  log: CapturedLog,
  what: string,
  request: () => Promise<T>,
): Promise<T> {
  const before = log.lines.length;
  const result = await request();
  const written = log.lines.slice(before);
  if (written.length > 1 || written.some((line) => /^\s+at /.test(line))) {
    throw new Error(
      `${what} wrote ${written.length} log lines, at most one expected:\n${written.join("\n")}`,
    );
  }
  return result;
}
