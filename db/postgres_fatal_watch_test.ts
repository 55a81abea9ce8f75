import { assert, assertEquals } from "../tests/support/assert.ts";
import { FatalWatch, parseErrorFields } from "./postgres_fatal_watch.ts";

const encoder = new TextEncoder();

/** One backend message: type byte, length (counting itself), body. */
function message(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setUint32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

/** An ErrorResponse body from (code, value) fields. */
function errorBody(fields: [string, string][]): Uint8Array {
  return encoder.encode(fields.map(([code, value]) => `${code}${value}\0`).join("") + "\0");
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
};

const dataRow = message("D", encoder.encode("x".repeat(40)));
const plainError = message(
  "E",
  errorBody([["S", "ERREUR"], ["V", "ERROR"], ["C", "23505"], ["M", "duplicate"]]),
);
const ready = message("Z", encoder.encode("I"));
const fatal = message(
  "E",
  errorBody([["S", "FATAL"], ["V", "FATAL"], ["C", "57P01"], [
    "M",
    "terminating connection due to administrator command",
  ]]),
);

Deno.test("postgres fatal watch - hands on every byte in order, whatever the chunking, while no FATAL comes", () => {
  const stream = concat([dataRow, plainError, ready, dataRow, ready]);
  for (let a = 0; a <= stream.length; a++) {
    for (const b of [a, Math.min(stream.length, a + 3), Math.min(stream.length, a + 50)]) {
      const watch = new FatalWatch();
      const results = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)].map((c) =>
        watch.feed(c)
      );
      assert(results.every((r) => r.fatal === undefined), `no fatal at split ${a}/${b}`);
      assertEquals([...concat(results.map((r) => r.pass))], [...stream], `split ${a}/${b}`);
    }
  }
});

Deno.test("postgres fatal watch - a FATAL ErrorResponse is reported with its fields and nothing from it on passes", () => {
  const before = concat([dataRow, ready]);
  const stream = concat([before, fatal, ready]);
  for (let a = 0; a <= stream.length; a++) {
    const watch = new FatalWatch();
    const first = watch.feed(stream.subarray(0, a));
    const second = watch.feed(stream.subarray(a));
    const reported = first.fatal ?? second.fatal;
    assertEquals(reported?.code, "57P01", `split at ${a}`);
    assertEquals(reported?.message, "terminating connection due to administrator command");
    assertEquals([...concat([first.pass, second.pass])], [...before], `split at ${a}`);
    assertEquals(watch.feed(ready).pass.length, 0, "nothing passes after the FATAL");
  }
});

Deno.test("postgres fatal watch - parses the protocol's error fields under postgres.js's names", () => {
  const fields = parseErrorFields(
    errorBody([["S", "FATAL"], ["V", "FATAL"], ["C", "28P01"], ["M", "bad password"], ["R", "auth_failed"]]),
  );
  assertEquals(fields, {
    severity_local: "FATAL",
    severity: "FATAL",
    code: "28P01",
    message: "bad password",
    routine: "auth_failed",
  });
});
