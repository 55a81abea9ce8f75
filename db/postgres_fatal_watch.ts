/**
 * Watches the server's side of a PostgreSQL connection for a FATAL (or PANIC) ErrorResponse, the
 * server's last word before it closes the session: an administrator's `pg_terminate_backend`, a
 * shutdown, a failed authentication. `db/postgres_js_fixes.ts` turns it into the socket's error
 * (defect 5 there) instead of letting postgres.js read it.
 *
 * It reads only message headers (type and length), so a chunk passes on as it came, without a copy,
 * unless a header or an ErrorResponse is cut across chunks: those bytes are held back until whole.
 * It must see the stream from its first byte, and only plaintext (not TLS).
 */

/** An ErrorResponse's fields under the names postgres.js gives them (`severity`, `code`, `message`…). */
export type ErrorFields = Record<string, string>;

/** What {@linkcode FatalWatch.feed} decided about one chunk. */
export interface FeedResult {
  /** The bytes to hand on now (maybe empty): everything before any held-back or fatal message. */
  pass: Uint8Array;
  /** A FATAL or PANIC ErrorResponse's fields; nothing from it or after it is ever handed on. */
  fatal?: ErrorFields;
}

const ERROR_RESPONSE = 0x45; // 'E'
const HEADER = 5; // type byte and 4-byte length (which counts itself)

/** The protocol's error field codes (PostgreSQL "Error and Notice Message Fields"). */
const FIELDS: Readonly<Record<string, string>> = {
  S: "severity_local",
  V: "severity",
  C: "code",
  M: "message",
  D: "detail",
  H: "hint",
  P: "position",
  p: "internal_position",
  q: "internal_query",
  W: "where",
  s: "schema_name",
  t: "table_name",
  c: "column_name",
  d: "data type_name",
  n: "constraint_name",
  F: "file",
  L: "line",
  R: "routine",
};

const decoder = new TextDecoder();

/** Parses an ErrorResponse body: (code byte, NUL-terminated string)*, then NUL. */
export function parseErrorFields(body: Uint8Array): ErrorFields {
  const fields: ErrorFields = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    fields[FIELDS[code] ?? code] = decoder.decode(body.subarray(at + 1, end));
    at = end + 1;
  }
  return fields;
}

/** See the module documentation; one per socket. */
export class FatalWatch {
  /** Bytes held back from the last chunk: a partial header or a partial ErrorResponse. */
  #carry: Uint8Array | null = null;
  /** Body bytes of the current message still to come (already handed on). */
  #skip = 0;
  #done = false;

  /** Feeds the next chunk from the server. After a fatal result, every chunk passes nothing. */
  feed(chunk: Uint8Array): FeedResult {
    if (this.#done) return { pass: chunk.subarray(0, 0) };
    let buffer = chunk;
    if (this.#carry !== null) {
      buffer = new Uint8Array(this.#carry.length + chunk.length);
      buffer.set(this.#carry);
      buffer.set(chunk, this.#carry.length);
      this.#carry = null;
    }
    let at = Math.min(this.#skip, buffer.length);
    this.#skip -= at;
    while (at < buffer.length) {
      if (buffer.length - at < HEADER) return this.#hold(buffer, at);
      const type = buffer[at]!;
      const end = at + 1 + new DataView(buffer.buffer, buffer.byteOffset + at + 1, 4).getUint32(0);
      if (type === ERROR_RESPONSE) {
        if (end > buffer.length) return this.#hold(buffer, at);
        const fields = parseErrorFields(buffer.subarray(at + HEADER, end));
        // `V` is the untranslated severity (PostgreSQL 9.6+); `S` may be translated.
        const severity = fields.severity ?? fields.severity_local;
        if (severity === "FATAL" || severity === "PANIC") {
          this.#done = true;
          return { pass: buffer.subarray(0, at), fatal: fields };
        }
      }
      if (end > buffer.length) {
        this.#skip = end - buffer.length;
        return { pass: buffer };
      }
      at = end;
    }
    return { pass: buffer };
  }

  #hold(buffer: Uint8Array, from: number): FeedResult {
    this.#carry = new Uint8Array(buffer.subarray(from)); // a copy: the chunk's memory is not ours
    return { pass: buffer.subarray(0, from) };
  }
}
