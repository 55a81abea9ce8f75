/**
 * Text rules of the wire contract: limits count Unicode code points after NFC normalisation, so
 * "é" typed as one character or as "e" + combining accent is the same text of the same length,
 * and an emoji counts once rather than as two UTF-16 units. The database checks the same limits
 * with `char_length`, which also counts code points.
 */

import { codePointLength, isStorable, storableText, UNSTORABLE_TEXT } from "../protocol/text.ts";
import { badRequest, tooLarge } from "./errors.ts";

export { codePointLength, isStorable, storableText, UNSTORABLE_TEXT };

/** Longest message body, in code points after NFC. */
export const MAX_BODY_CODE_POINTS = 4000;
/** Longest conversation title, in code points after NFC. */
export const MAX_TITLE_CODE_POINTS = 200;

/**
 * Characters that show nothing: Unicode white space plus the zero-width characters people paste
 * by accident (zero-width space/joiners, word joiner, byte-order mark). A text made only of these
 * is "blank".
 */
const BLANK = /^[\p{White_Space}\u200B-\u200D\u2060\uFEFF]*$/u;

/** The canonical (NFC) form of `text`. */
export function normalizeText(text: string): string {
  return text.normalize("NFC");
}

/** True when `text` is empty or shows nothing (see {@linkcode BLANK}). */
export function isBlank(text: string): boolean {
  return BLANK.test(text);
}

/**
 * Validates a message body and returns it NFC-normalised (otherwise unchanged: leading and
 * trailing spaces and line breaks are kept as typed). Throws `bad_request` for blank or
 * unstorable text and `too_large` above {@linkcode MAX_BODY_CODE_POINTS}.
 */
export function messageBody(raw: string): string {
  if (!isStorable(raw)) throw badRequest(`body: ${UNSTORABLE_TEXT}.`);
  const body = normalizeText(raw);
  if (isBlank(body)) throw badRequest("body: the message is empty; write something before sending.");
  const length = codePointLength(body);
  if (length > MAX_BODY_CODE_POINTS) {
    throw tooLarge(
      `body: the message has ${length} characters; the limit is ${MAX_BODY_CODE_POINTS}, shorten it or split it.`,
    );
  }
  return body;
}

/**
 * Validates an optional conversation title: NFC, trimmed; absent or blank means no title (`null`).
 * Throws `bad_request` above {@linkcode MAX_TITLE_CODE_POINTS} or for unstorable text.
 */
export function conversationTitle(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  if (!isStorable(raw)) throw badRequest(`title: ${UNSTORABLE_TEXT}.`);
  const title = normalizeText(raw).trim();
  if (isBlank(title)) return null;
  const length = codePointLength(title);
  if (length > MAX_TITLE_CODE_POINTS) {
    throw badRequest(`title: ${length} characters is too long; use at most ${MAX_TITLE_CODE_POINTS}.`);
  }
  return title;
}
