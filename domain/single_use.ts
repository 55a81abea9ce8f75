/**
 * The tokens of single-use links (setup, password reset): 32 random bytes, base64url (43 characters,
 * safe in a URL). Only {@linkcode tokenDigest} of a token is stored (`db/single_use_tokens.ts`); the
 * token itself exists only in the link that was printed or mailed.
 */

/** A fresh random link token. */
export function newLinkToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** SHA-256 of the token, hex: what the database stores and looks up. */
export async function tokenDigest(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** True when `value` has the shape of a link token (checked before any lookup). */
export function isLinkTokenShape(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
