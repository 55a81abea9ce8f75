import net from "node:net";
import { assert, assertEquals } from "../tests/support/assert.ts";
import { connectionSocket, isClosedConnectionWrite } from "./postgres_js_fixes.ts";

Deno.test("postgres.js fixes - recognises postgres.js writing to a closed connection, nothing else", () => {
  const closed = new TypeError("Cannot read properties of null (reading 'write')");
  closed.stack =
    `TypeError: ${closed.message}\n    at Immediate.nextWrite (file:///x/node_modules/.deno/postgres@3.4.9/node_modules/postgres/src/connection.js:255:22)`;
  assert(isClosedConnectionWrite(closed));
  const ours = new TypeError("Cannot read properties of null (reading 'write')");
  ours.stack = `TypeError: ${ours.message}\n    at send (file:///x/realtime/connection.ts:10:1)`;
  assert(!isClosedConnectionWrite(ours), "the same message from our own code still ends the process");
  assert(!isClosedConnectionWrite(new Error("boom")));
});

/** Connects to a loopback server that answers a ReadyForQuery and hangs up, writes after that, and records the events. */
async function eventsOfWriteAfterHangUp(connect: (port: number) => net.Socket): Promise<string[]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = (async () => {
    const conn = await listener.accept();
    await conn.write(new Uint8Array([0x5a, 0, 0, 0, 5, 0x49])); // ReadyForQuery, idle
    conn.close();
  })();
  const events: string[] = [];
  const socket = connect((listener.addr as Deno.NetAddr).port);
  const closed = new Promise<void>((resolve) => {
    socket.on("error", () => {
      events.push("error");
      // A query executed while postgres.js reacts to the error would run here.
      queueMicrotask(() => events.push("a turn after the error"));
    });
    socket.on("close", () => {
      events.push("close");
      resolve();
    });
  });
  // As postgres.js does: an answer arrives, the next query is batched for the next turn, and the
  // hang-up is read first.
  socket.on("data", () => setImmediate(() => socket.write("too late")));
  await Promise.all([accepted, closed]);
  listener.close();
  return events;
}

Deno.test("postgres.js fixes - a socket's error is emitted together with its close, with no turn between", async () => {
  const events = await eventsOfWriteAfterHangUp((port) =>
    connectionSocket({ host: ["127.0.0.1"], port: [port] })
  );
  assertEquals(events.slice(0, 2), ["error", "close"]);
});
