/**
 * Text rules shared by both ends of the wire: limits count Unicode code points (not UTF-16 units),
 * and text PostgreSQL cannot store (NUL, lone surrogates) is refused before it travels further.
 */
import * as v from "valibot";

/** Number of Unicode code points in `text` (not UTF-16 units). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * True when PostgreSQL can store `text`: no NUL character (text columns refuse it) and no lone
 * UTF-16 surrogate (not valid UTF-8). JSON lets clients send both, so they are checked at the
 * edge rather than surfacing as a database error.
 */
export function isStorable(text: string): boolean {
  return !text.includes("\u0000") && text.isWellFormed();
}

/** What a client is told about text {@linkcode isStorable} refuses (after the field's name). */
export const UNSTORABLE_TEXT =
  "contains characters that cannot be stored (a NUL character or a broken surrogate pair); remove them";

/**
 * The valibot check every text field of every body, query string, path and frame goes through,
 * right after `v.string()` (use {@linkcode storableString}). Without it a NUL reaches PostgreSQL
 * (SQLSTATE 22021) and a lone surrogate is silently replaced by U+FFFD on its way to the database.
 * `domain/schemas_test.ts` fails for any string field of a client schema that lacks it.
 */
export const storableText = v.check<string, string>(isStorable, UNSTORABLE_TEXT);

/** A string PostgreSQL can store: the start of every text field of a client schema. */
export const storableString = (message = "expected a string") => v.pipe(v.string(message), storableText);
