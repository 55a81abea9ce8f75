/**
 * Text rules shared by both ends of the wire: limits count Unicode code points (not UTF-16 units),
 * and text PostgreSQL cannot store (NUL, lone surrogates) is refused before it travels further.
 */

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
