import { assert, assertEquals } from "../tests/support/assert.ts";
import {
  DatabaseConnectionError,
  describeTarget,
  isConnectionFailure,
  isDatabaseUnavailable,
  sqlState,
} from "./errors.ts";
import { TimeoutError } from "../util/timeout.ts";

Deno.test("describeTarget - host:port without credentials, 5432 by default", () => {
  assertEquals(describeTarget("postgres://user:pw@db.example:6543/preau"), "db.example:6543");
  assertEquals(describeTarget("postgresql://user:pw@db.example/preau"), "db.example:5432");
  assertEquals(describeTarget("postgres:///preau?host=/run/postgresql"), "/run/postgresql:5432");
  assertEquals(describeTarget("not a url"), "an unparseable DATABASE_URL");
});

Deno.test("sqlState - reads a five-character SQLSTATE, ignores socket error codes", () => {
  assertEquals(sqlState(Object.assign(new Error("dup"), { code: "23505" })), "23505");
  assertEquals(sqlState(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })), undefined);
  assertEquals(sqlState("23505"), undefined);
  assertEquals(sqlState(null), undefined);
});

Deno.test("isConnectionFailure - connection codes and SQLSTATE class 08 yes, SQL errors no", () => {
  assert(isConnectionFailure(Object.assign(new Error("x"), { code: "ECONNREFUSED" })));
  assert(isConnectionFailure(Object.assign(new Error("x"), { code: "CONNECTION_CLOSED" })));
  assert(isConnectionFailure(Object.assign(new Error("x"), { code: "08006" })));
  assert(isConnectionFailure(Object.assign(new Error("x"), { code: "57P01" })));
  assert(!isConnectionFailure(Object.assign(new Error("x"), { code: "23505" })));
  assert(!isConnectionFailure(new Error("plain")));
});

Deno.test("DatabaseConnectionError - says where and what to check", () => {
  const error = new DatabaseConnectionError("db:5432", "connect ECONNREFUSED");
  assertEquals(
    error.message,
    "cannot reach PostgreSQL at db:5432: connect ECONNREFUSED. Check DATABASE_URL and that the server accepts connections",
  );
});

Deno.test("isDatabaseUnavailable - lost connections, restarts and timeouts, not SQL errors", () => {
  const code = (c: string) => Object.assign(new Error(c), { code: c });
  for (
    const error of [
      code("57P01"),
      code("57P03"),
      code("08006"),
      code("ECONNRESET"),
      code("CONNECTION_CLOSED"),
      code("57014"),
      new TimeoutError("timed out"),
      new DatabaseConnectionError("db:5432", "read ECONNRESET", { cause: code("ECONNRESET") }),
      new Error("wrapped", { cause: code("ECONNREFUSED") }),
    ]
  ) {
    assert(isDatabaseUnavailable(error), error.message);
  }
  for (const error of [code("23505"), code("22021"), new Error("bug"), null, "text"]) {
    assert(!isDatabaseUnavailable(error), String(error));
  }
});

Deno.test("DatabaseConnectionError - logs as one line, without the driver's stack", () => {
  const error = new DatabaseConnectionError("db:5432", "read ECONNRESET", {
    cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
  });
  assertEquals(Deno.inspect(error).split("\n").length, 1);
  assertEquals([error.target, error.driverCode], ["db:5432", "ECONNRESET"]);
});
