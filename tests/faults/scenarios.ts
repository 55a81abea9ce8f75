/**
 * Every scenario of the fault suite, by id: the tests register one test per entry, and
 * docs/reliability.md must have a row for each (its drift test compares the two).
 */
export const SCENARIOS = {
  kill9: "`kill -9` of one instance (its clients move to the other)",
  pg_restart_fast: "PostgreSQL restart, `-m fast`",
  pg_restart_immediate: "PostgreSQL restart, `-m immediate`",
  listen_terminated: "`pg_terminate_backend` of the LISTEN connections, five times in a row",
  pool_terminated: "`pg_terminate_backend` of the pool connections",
  sigstop: "`SIGSTOP` of one instance for 15 s, then `SIGCONT`",
  slow_readers: "five clients that stop reading",
  reconnect_storm: "reconnect storm: both instances killed, restarted 2 s later",
  sigterm: "SIGTERM of one instance (its sockets closed with 1012)",
  sigint_group: "SIGINT to the start command's whole process group (rolling restart)",
  access_ended: "a session ended and a membership removed during load",
  bad_inputs: "bad inputs: random, malformed and hostile frames and REST calls (fast-check)",
  soak: "soak (`deno task soak`, not in CI): LISTEN kill every minute, one instance restart",
} as const;

export type ScenarioId = keyof typeof SCENARIOS;
