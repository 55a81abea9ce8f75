/**
 * Single-use links (`single_use_tokens`): only the SHA-256 digest of a token is stored
 * (`domain/single_use.ts` makes tokens and digests). Spending checks validity and marks the row used
 * in one statement, so two concurrent requests with the same link cannot both succeed.
 */
import type { Queryable } from "./types.ts";
import { isUuid } from "./models.ts";

/** What a link is for. */
export type TokenPurpose = "setup" | "password_reset";

/** Stores a new link's digest, valid until `expiresAt` (compared with the database clock). */
export async function insertSingleUseToken(
  q: Queryable,
  input: { tokenHash: string; purpose: TokenPurpose; userId?: string | null; expiresAt: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO single_use_tokens (token_hash, purpose, user_id, expires_at) VALUES ($1, $2, $3, $4)`,
    [input.tokenHash, input.purpose, input.userId ?? null, input.expiresAt],
  );
}

/**
 * Marks the link used if it exists for `purpose`, is unused and unexpired; returns its `userId`
 * (null for setup links) or undefined when it cannot be spent.
 */
export async function spendSingleUseToken(
  q: Queryable,
  tokenHash: string,
  purpose: TokenPurpose,
): Promise<{ userId: string | null } | undefined> {
  const rows = await q.query<{ userId: string | null }>(
    `UPDATE single_use_tokens SET used_at = now()
     WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
     RETURNING user_id AS "userId"`,
    [tokenHash, purpose],
  );
  return rows[0];
}

/** Whether the link could be spent now (for a page that shows a form before the submission). */
export async function isSingleUseTokenValid(
  q: Queryable,
  tokenHash: string,
  purpose: TokenPurpose,
): Promise<boolean> {
  const rows = await q.query(
    `SELECT 1 FROM single_use_tokens
     WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
    [tokenHash, purpose],
  );
  return rows.length > 0;
}

/** Voids every unused link of the person for `purpose` (a changed password voids older reset links). */
export async function voidUserTokens(q: Queryable, userId: string, purpose: TokenPurpose): Promise<number> {
  if (!isUuid(userId)) return 0;
  const rows = await q.query(
    `UPDATE single_use_tokens SET used_at = now()
     WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL RETURNING token_hash`,
    [userId, purpose],
  );
  return rows.length;
}
