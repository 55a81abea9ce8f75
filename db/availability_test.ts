import { assert, assertEquals } from "../tests/support/assert.ts";
import { DatabaseAvailability } from "./availability.ts";
import { DatabaseConnectionError } from "./errors.ts";

function watched() {
  const lines: string[] = [];
  const availability = new DatabaseAvailability("database", "127.0.0.1:5432", (line) => lines.push(line));
  return { availability, lines };
}

const lost = (code: string) =>
  new DatabaseConnectionError("127.0.0.1:5432", code, { cause: Object.assign(new Error(code), { code }) });

Deno.test("availability - one line when statements start failing and one when the server answers again", () => {
  const { availability, lines } = watched();
  assert(!availability.isDown);
  for (const code of ["ECONNRESET", "ECONNREFUSED", "57P03"]) {
    availability.down(lost(code), availability.begin());
  }
  assert(availability.isDown);
  availability.up(availability.begin());
  availability.up(availability.begin());
  assert(!availability.isDown);
  assertEquals(lines.length, 2);
  assert(lines[0]!.includes(`is unreachable ("ECONNRESET")`), lines[0]);
  assert(lines[1]!.includes("answers again after"), lines[1]);
});

Deno.test("availability - a statement begun before the outage was noticed does not end it by succeeding", () => {
  const { availability, lines } = watched();
  const before = availability.begin();
  availability.down(lost("EPIPE"), availability.begin());
  availability.up(before); // in flight on a connection the shutdown had not reached yet
  assert(availability.isDown, "still down: that answer says nothing about the server's return");
  availability.up(availability.begin());
  assert(!availability.isDown);
  assertEquals(lines.length, 2);
});

Deno.test("availability - a statement begun during the outage does not start another by failing late", () => {
  const { availability, lines } = watched();
  availability.down(lost("ECONNRESET"), availability.begin());
  const during = availability.begin();
  availability.up(availability.begin());
  availability.down(lost("57P01"), during); // its connection was terminated before the return
  assert(!availability.isDown);
  assertEquals(lines.length, 2);
  // A statement begun after the return that fails is a new outage.
  availability.down(lost("ECONNREFUSED"), availability.begin());
  assert(availability.isDown);
  assertEquals(lines.length, 3);
});

Deno.test("availability - outages counts each outage once, so a check that waited through one can tell", () => {
  const { availability } = watched();
  assertEquals(availability.outages, 0);
  const probe = availability.outages; // a readiness check starts, its query waits for the pool
  availability.down(lost("EPIPE"), availability.begin());
  availability.down(lost("ECONNREFUSED"), availability.begin());
  availability.up(availability.begin()); // the server is back before the check's query answers
  assert(!availability.isDown);
  assertEquals(availability.outages, 1, "two failures, one outage");
  assert(availability.outages !== probe, "the check sees that the server went away meanwhile");
});
