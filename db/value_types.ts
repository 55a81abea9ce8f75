/**
 * The value conversions both adapters install, so a row reads the same whichever database produced it
 * (see the contract in `types.ts`). Only the types where postgres.js and PGlite disagree by default
 * are listed; the rest (int2/int4/float → number, bool, date/timestamp/timestamptz → Date, text and
 * uuid → string, numeric → string) already match.
 */

/** PostgreSQL type OIDs we convert. */
export const OID = { bytea: 17, int8: 20, json: 114, jsonb: 3802 } as const;

/**
 * `bigint` columns (including `count(*)`) as `number`. A value beyond ±2^53 cannot be a number without
 * silently changing it, so it arrives as a JS `bigint` instead (as PGlite does by default).
 */
export function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

export function serializeInt8(value: unknown): string {
  return String(value);
}

/** `json`/`jsonb` text → value. */
export function parseJson(text: string): unknown {
  return JSON.parse(text);
}

/**
 * Value → `json`/`jsonb` text. A string parameter is taken as JSON text already (so both
 * `JSON.stringify(x)` and `x` itself work as a parameter); bigints are written as strings, as PGlite does.
 */
export function serializeJson(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_key, v) => typeof v === "bigint" ? v.toString() : v);
}

/** `bytea` hex text (`\x0102`) → plain `Uint8Array` (postgres.js would give a Node `Buffer`). */
export function parseBytea(text: string): Uint8Array {
  const hex = text.startsWith("\\x") ? text.slice(2) : text;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substring(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new TypeError("a bytea parameter must be a Uint8Array");
  return "\\x" + Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One converted type: values of the `from` OIDs are read with `parse`; parameters are sent as `to`. */
export interface TypeCodec {
  to: number;
  from: number[];
  serialize: (value: unknown) => string;
  parse: (text: string) => unknown;
}

/** Every conversion, in postgres.js's `types` shape; the PGlite adapter maps it onto its parsers. */
export const CODECS: Record<"int8" | "json" | "bytea", TypeCodec> = {
  int8: { to: OID.int8, from: [OID.int8], serialize: serializeInt8, parse: parseInt8 },
  json: { to: OID.json, from: [OID.json, OID.jsonb], serialize: serializeJson, parse: parseJson },
  bytea: { to: OID.bytea, from: [OID.bytea], serialize: serializeBytea, parse: parseBytea },
};
