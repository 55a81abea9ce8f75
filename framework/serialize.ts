/**
 * Island props travel from server to browser in one `<script type="application/json">` per page.
 * devalue keeps Date, Map, Set, undefined, BigInt, cycles and repeated references; signals are
 * encoded explicitly (they define `toJSON`, which would flatten them to their value) and, because
 * devalue dedupes by identity, one server signal passed to two islands becomes one client signal.
 *
 * Used by both the server (serialize) and the client boot (deserialize).
 */
import { parse, stringify } from "devalue";
import { Signal, signal } from "@preact/signals";

/**
 * Serializes `value` to text safe to place inside `<script type="application/json">`: `<`, `>`,
 * `&` and U+2028/2029 only occur inside JSON strings, where their `\uXXXX` escapes parse back to
 * the same characters, so no `</script>` or `<!--` can end or alter the script element.
 */
export function serialize(value: unknown): string {
  // The reducer result must be truthy for devalue to use it, hence the one-element array (a
  // signal holding 0 or "" would otherwise be encoded as a plain object).
  const json = stringify(value, { Signal: (v: unknown) => v instanceof Signal && [v.peek()] });
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Reverses {@linkcode serialize}; every encoded signal becomes one fresh `signal()`. */
export function deserialize<T = unknown>(text: string): T {
  return parse(text, { Signal: ([value]: [unknown]) => signal(value) }) as T;
}
