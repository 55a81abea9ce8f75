import { assertEquals } from "../tests/support/assert.ts";
import { isPostgresJsNullSocketWrite } from "./postgres_adapter.ts";

Deno.test("postgres adapter - only postgres.js's null-socket write is recognised as its known defect", () => {
  const defect = new TypeError("Cannot read properties of null (reading 'write')");
  defect.stack = `${defect.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)`;
  assertEquals(isPostgresJsNullSocketWrite(defect), true);
  const ours = new TypeError("Cannot read properties of null (reading 'write')");
  ours.stack = `${ours.message}\n    at send (file:///app/realtime/connection.ts:10:3)`;
  assertEquals(isPostgresJsNullSocketWrite(ours), false);
  assertEquals(isPostgresJsNullSocketWrite(new Error("connect ECONNREFUSED")), false);
});
