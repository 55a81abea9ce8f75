/**
 * "Mot de passe oublié": a person asks for a link by email; the link (single use, valid one hour) lets
 * them choose a new password, after which every session they had is ended (`domain/sessions.ts`: sockets
 * close with 4401 on every instance) and older reset links stop working.
 *
 * The request always gets the same answer, whether or not the address has an account, so the form tells
 * nobody who is registered; requests are rate limited per address and per client address (an unknown
 * address counts like a known one), which also bounds the mails one can make Préau send to someone.
 * Only the SHA-256 digest of each link's token is stored (`db/single_use_tokens.ts`).
 */
import type { Database, Queryable } from "../db/types.ts";
import type { User } from "../db/models.ts";
import { findUserForLogin, updatePasswordHash } from "../db/users.ts";
import {
  insertSingleUseToken,
  isSingleUseTokenValid,
  spendSingleUseToken,
  voidUserTokens,
} from "../db/single_use_tokens.ts";
import { enqueueMails } from "../db/mail_queue.ts";
import type { MailService } from "./mail/mail_service.ts";
import { renderPasswordResetMail } from "./mail/account_mail.ts";
import { AppError, rateLimited } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import { hashPassword } from "./passwords.ts";
import { databaseRateLimits, LIMITS, type RateLimitStore } from "./limits.ts";
import { parseInput, resetCompleteBody, resetRequestBody } from "./schemas.ts";
import { endAllSessions } from "./sessions.ts";
import { isLinkTokenShape, newLinkToken, tokenDigest } from "./single_use.ts";

/** How long a reset link works. */
export const RESET_TTL_MINUTES = 60;

/** Options of {@linkcode createPasswordReset}. */
export interface PasswordResetOptions {
  db: Database;
  events: DomainEvents;
  /** Where the link mail is queued (its `baseUrl` starts the link). */
  mail: MailService;
  /** Where the request limits are kept. Default: the shared database limits over `db`. */
  limits?: RateLimitStore;
}

/** See the module documentation. */
export interface PasswordReset {
  /** Queues a link when `body.email` has an account; the same outcome otherwise. Throws `rate_limited`. */
  request(body: unknown, clientAddress: string): Promise<void>;
  /** Whether the link `token` can still be used (for the page showing the form). */
  isUsable(token: string): Promise<boolean>;
  /** Sets the new password from `body` (`{token, password}`) and ends every session; returns the email. */
  complete(body: unknown): Promise<{ email: string }>;
}

function unusableLink(): AppError {
  return new AppError(
    "gone",
    "This password reset link no longer works (already used, replaced by a newer one, or more than an hour old); ask for a new one.",
  );
}

/**
 * Stores a new reset link for `user` (valid {@linkcode RESET_TTL_MINUTES} from `now`) and returns its
 * URL under `baseUrl`: mailed by the flow, printed by `deno task admin reset-password`.
 */
export async function issueResetLink(
  q: Queryable,
  user: Pick<User, "id" | "locale">,
  baseUrl: string,
  now: Date,
): Promise<string> {
  const token = newLinkToken();
  await insertSingleUseToken(q, {
    tokenHash: await tokenDigest(token),
    purpose: "password_reset",
    userId: user.id,
    expiresAt: new Date(now.getTime() + RESET_TTL_MINUTES * 60_000),
  });
  return `${baseUrl}/${user.locale}/reset-password?token=${token}`;
}

/** Builds the password reset flow. */
export function createPasswordReset(opts: PasswordResetOptions): PasswordReset {
  const { db, events, mail } = opts;
  const store = opts.limits ?? databaseRateLimits(db);
  return {
    async request(body, clientAddress) {
      const { email } = parseInput(resetRequestBody, body);
      // Both at once, known address or not (LIMITS: 3 per hour per address, 20 per hour per client).
      const decision = await store.take([
        { rule: LIMITS.passwordResetsPerAccount, key: email.toLowerCase() },
        { rule: LIMITS.passwordResetsPerAddress, key: clientAddress },
      ]);
      if (!decision.allowed) {
        throw rateLimited(
          decision.retryAfterSeconds,
          "Too many password reset requests; check your mailbox (and its spam folder) for the last link, or wait and try again.",
        );
      }
      const found = await findUserForLogin(db, email);
      // A deactivated account gets no link (its admin reactivates it first); the answer stays the same.
      if (found === null || found.deactivated) return;
      const now = mail.now();
      await db.transaction(async (tx) => {
        const url = await issueResetLink(tx, found, mail.baseUrl, now);
        const message = renderPasswordResetMail(found, url, {
          fromAddress: mail.from.address,
          validMinutes: RESET_TTL_MINUTES,
        });
        await enqueueMails(tx, [message], now);
      });
      mail.wake();
    },

    async isUsable(token) {
      return isLinkTokenShape(token) &&
        await isSingleUseTokenValid(db, await tokenDigest(token), "password_reset");
    },

    async complete(body) {
      const input = parseInput(resetCompleteBody, body);
      if (!isLinkTokenShape(input.token)) throw unusableLink();
      const digest = await tokenDigest(input.token);
      const passwordHash = await hashPassword(input.password);
      const user = await db.transaction(async (tx) => {
        const spent = await spendSingleUseToken(tx, digest, "password_reset");
        if (!spent?.userId) throw unusableLink();
        await voidUserTokens(tx, spent.userId, "password_reset");
        return await updatePasswordHash(tx, spent.userId, passwordHash);
      });
      if (user === null) throw unusableLink();
      await endAllSessions(db, events, user.id);
      return { email: user.email };
    },
  };
}
