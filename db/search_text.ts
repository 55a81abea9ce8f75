/**
 * Accent- and case-insensitive recipient search without the `unaccent` extension (PGlite lacks it):
 * the application folds names and emails once, stores the words in `users.search_text`, and folds
 * each query the same way before a prefix match (db/recipients.ts).
 */

/** Folds `s` for comparison: decomposes (NFD), drops combining marks, lower-cases. "Hélène" → "helene". */
export function foldText(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Splits folded text into its runs of letters and digits. */
function alphanumericWords(folded: string): string[] {
  return folded.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== "");
}

/** Splits folded text on whitespace. */
function spaceWords(folded: string): string[] {
  return folded.split(/\s+/u).filter((w) => w !== "");
}

/**
 * The stored search words of a person, space-separated, so that any query matching the start of a word
 * of the name or the email finds them:
 * - the folded name as written ("anne-marie dupont", so "anne-marie d" matches),
 * - its letter/digit words ("anne marie dupont", so "marie" matches),
 * - the email's letter/digit words ("parent dupont example test"),
 * - the whole folded email ("parent.dupont@example.test", so a pasted address matches),
 * - the email's domain ("example.test", so "example.t" finds everyone of that domain).
 */
export function searchTextFor(name: string, email: string): string {
  const foldedName = foldText(name);
  const foldedEmail = foldText(email).trim();
  const asWritten = spaceWords(foldedName);
  const nameWords = alphanumericWords(foldedName);
  const parts = [...asWritten];
  if (nameWords.join(" ") !== asWritten.join(" ")) parts.push(...nameWords);
  parts.push(...alphanumericWords(foldedEmail), ...spaceWords(foldedEmail));
  const domain = foldedEmail.split("@")[1];
  if (domain) parts.push(domain);
  return parts.join(" ");
}

/**
 * Folds a search query the same way and collapses its whitespace to single spaces, so "Hélène  Dup"
 * becomes "helene dup".
 */
export function foldQuery(query: string): string {
  return spaceWords(foldText(query)).join(" ");
}

/**
 * The words of a folded query, each of which must start a stored word, in any order: "Martin
 * Marc" and "marc mart" both find "Marc Martin".
 */
export function queryWords(query: string): string[] {
  return spaceWords(foldText(query));
}
