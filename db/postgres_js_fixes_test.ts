import { assert } from "../tests/support/assert.ts";
import { isClosedConnectionWrite } from "./postgres_write_guard.ts";

Deno.test("postgres write guard - recognises postgres.js writing to a closed connection, nothing else", () => {
  const closed = new TypeError("Cannot read properties of null (reading 'write')");
  closed.stack =
    `TypeError: ${closed.message}\n    at Immediate.nextWrite (file:///x/node_modules/.deno/postgres@3.4.9/node_modules/postgres/src/connection.js:255:22)`;
  assert(isClosedConnectionWrite(closed));
  const ours = new TypeError("Cannot read properties of null (reading 'write')");
  ours.stack = `TypeError: ${ours.message}\n    at send (file:///x/realtime/connection.ts:10:1)`;
  assert(!isClosedConnectionWrite(ours), "the same message from our own code still ends the process");
  assert(!isClosedConnectionWrite(new Error("boom")));
});
