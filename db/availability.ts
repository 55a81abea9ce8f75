/**
 * Whether the PostgreSQL server answers, as one handle's own statements see it: one log line when
 * statements start failing for connection reasons (or time out), one when the server answers again,
 * whatever the number of failures in between, and `isDown` for readiness probes, which then answer
 * at once instead of queueing a query behind the pool's reconnection.
 *
 * Only evidence newer than the last change counts. A shutdown does not end every connection at the
 * same instant: a statement that began before the outage was noticed may still succeed after it,
 * and one that began during the outage may fail (terminated, refused) just after the server
 * answered again. Taken at face value they made a single restart log "unreachable / answers again"
 * several times over, and made `isDown` flicker. So each statement notes {@linkcode begin}'s
 * token when it starts, and an outcome only changes the state when its statement began after the
 * last change.
 */
import { DatabaseConnectionError, reasonOf } from "./errors.ts";

/** What {@linkcode DatabaseAvailability.begin} returns: the state's version when a statement began. */
export type StatementToken = number;

/** See the module documentation. */
export class DatabaseAvailability {
  #downSince: number | undefined;
  #outages = 0;
  /** Bumped at each change of state; a statement's outcome counts only if it began after the last. */
  #version = 0;

  /**
   * @param name names the handle in the log lines, e.g. `"database"`.
   * @param target where the server is, e.g. `127.0.0.1:5432`.
   * @param log where the two lines go. Default `console.warn`.
   */
  constructor(
    readonly name: string,
    readonly target: string,
    readonly log: (line: string) => void = (line) => console.warn(line),
  ) {}

  /** True from the outage's first failure until a statement begun after it succeeds. */
  get isDown(): boolean {
    return this.#downSince !== undefined;
  }

  /** How many outages began so far (each counted once, however many statements failed in it). */
  get outages(): number {
    return this.#outages;
  }

  /** Call when a statement starts; pass the token to {@linkcode down} or {@linkcode up} with its outcome. */
  begin(): StatementToken {
    return this.#version;
  }

  /** A statement that began at `token` failed for a connection reason or timed out. */
  down(error: unknown, token: StatementToken): void {
    if (this.#downSince !== undefined || token < this.#version) return;
    this.#version++;
    this.#outages++;
    this.#downSince = Date.now();
    const reason = error instanceof DatabaseConnectionError
      ? error.driverCode ?? "connection lost"
      : reasonOf(error);
    this.log(
      `${this.name}: PostgreSQL at ${this.target} is unreachable (${
        JSON.stringify(reason)
      }); requests answer "unavailable" until it is back`,
    );
  }

  /** A statement that began at `token` got an answer from the server (rows or an SQL error). */
  up(token: StatementToken): void {
    if (this.#downSince === undefined || token < this.#version) return;
    this.#version++;
    const seconds = ((Date.now() - this.#downSince) / 1000).toFixed(1);
    this.#downSince = undefined;
    this.log(`${this.name}: PostgreSQL at ${this.target} answers again after ${seconds} s`);
  }
}
