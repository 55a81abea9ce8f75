import { assertEquals } from "../tests/support/assert.ts";
import { DatabaseConnectionError } from "../db/errors.ts";
import { TimeoutError } from "../util/timeout.ts";
import { reportFailure, toAppError } from "./errors.ts";
import { captureLog } from "../tests/support/log_capture.ts";

Deno.test("toAppError - a database that cannot answer is a retryable 503 'unavailable', logged by no one here", () => {
  using log = captureLog();
  const lost = new DatabaseConnectionError("db:5432", "read ECONNRESET");
  const restarting = Object.assign(new Error("the database system is starting up"), { code: "57P03" });
  for (const error of [lost, restarting, new TimeoutError("timed out waiting for PostgreSQL")]) {
    const appError = reportFailure(error, "test");
    assertEquals([appError.code, appError.status, appError.retryAfterSeconds], ["unavailable", 503, 1]);
  }
  assertEquals(log.lines, [], "the database adapter logs the outage once; requests add nothing");
  assertEquals(toAppError(new Error("a bug")).code, "internal");
});
