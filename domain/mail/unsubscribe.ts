/**
 * One-click unsubscribe tokens (RFC 8058): `<user id>.<HMAC-SHA256>` keyed by the app secret, so the link
 * works without a login and cannot be forged for someone else. They do not expire: an unsubscribe link in
 * an old mail must keep working.
 */
import { isUuid } from "../../db/models.ts";

const PURPOSE = "preau-unsubscribe:";

/** Imported keys by secret: a digest pass signs thousands of tokens with the same one. */
const keys = new Map<string, Promise<CryptoKey>>();

async function mac(secret: string, userId: string): Promise<string> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      [
        "sign",
      ],
    );
    keys.set(secret, key);
  }
  const sig = new Uint8Array(
    await crypto.subtle.sign("HMAC", await key, new TextEncoder().encode(PURPOSE + userId)),
  );
  return btoa(String.fromCharCode(...sig)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The token for `userId`. */
export async function unsubscribeToken(secret: string, userId: string): Promise<string> {
  return `${userId}.${await mac(secret, userId.toLowerCase())}`;
}

/** The user id of a valid token, else undefined. */
export async function verifyUnsubscribeToken(secret: string, token: string): Promise<string | undefined> {
  const [userId, signature, ...rest] = token.split(".");
  if (rest.length > 0 || !userId || !signature || !isUuid(userId)) return undefined;
  const expected = await mac(secret, userId.toLowerCase());
  if (expected.length !== signature.length) return undefined;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0 ? userId.toLowerCase() : undefined;
}
