/**
 * Sign-in, session checks and sign-out. A session is a database row (revocable at once) named by
 * the `jti` of a signed token (cheap to reject when forged or stale); both must be valid.
 *
 * Login answers `invalid_credentials` for an unknown email and a wrong password alike, after the
 * same Argon2id work (see `passwords.ts`), and is rate limited per email and per client address so
 * that neither one account nor one source can be guessed at quickly. Tokens are renewed while in
 * use: a token older than `renewAfterSeconds` gets a successor and its session row a later expiry,
 * so an active user stays signed in and an idle one is signed out after `ttlSeconds`.
 */

import type { Database } from "../db/types.ts";
import type { Membership, User } from "../db/models.ts";
import { findUserForLogin, getUser, listMemberships, upgradePasswordHash } from "../db/users.ts";
import { createSession, extendSession, getActiveSession, revokeSession } from "../db/sessions.ts";
import { accountDeactivated, invalidCredentials, rateLimited, unauthorized } from "./errors.ts";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "./passwords.ts";
import type { DomainEvents } from "./events.ts";
import { RateLimiter } from "./rate_limit.ts";
import { signSessionToken, tokenKey, verifySessionToken } from "./tokens.ts";

/** Limits on failed logins; each allows `perX` failures per `windowSeconds`, refilling gradually. */
export interface LoginLimits {
  /** Failures allowed per email. Default: 5. */
  perEmail?: number;
  /** Failures allowed per client address (shared offices and schools sit behind one). Default: 20. */
  perAddress?: number;
  /** Window in seconds. Default: 900 (15 minutes). */
  windowSeconds?: number;
}

/** Options of {@linkcode createAuthService}. */
export interface AuthOptions {
  /** HMAC key for session tokens, at least 32 characters. */
  secret: string;
  /** Where an ended session is announced (its live sockets close on every instance). */
  events: DomainEvents;
  /** Lifetime of a session (and of each token) in seconds. Default: 7 days. */
  ttlSeconds?: number;
  /** Age after which a token in use is replaced by a fresh one. Default: 1 day. */
  renewAfterSeconds?: number;
  /** Clock for tokens and rate limits. Default: the real time. Session rows use the database clock. */
  now?: () => Date;
  loginLimits?: LoginLimits;
}

/** A successful login: the person and the token to set as the `preau_session` cookie. */
export interface LoginResult {
  user: User;
  token: string;
  expiresAt: Date;
}

/** A valid session. `renewed`, when present, is a fresh token the caller should set as cookie. */
export interface Authenticated {
  user: User;
  sessionId: string;
  /** When the token the caller should keep using expires (the renewed one if any). */
  expiresAt: Date;
  renewed?: { token: string; expiresAt: Date };
}

/** The person and their establishments (`GET /api/me`). */
export interface Me {
  user: User;
  memberships: Membership[];
}

/** See the module documentation. */
export interface AuthService {
  /** Signs in; throws `invalid_credentials` or `rate_limited`. `clientAddress` is the peer IP. */
  login(
    email: string,
    password: string,
    clientAddress: string,
    userAgent?: string | null,
  ): Promise<LoginResult>;
  /** Checks a token and its session row; throws `unauthorized`. */
  authenticate(token: string): Promise<Authenticated>;
  /** Revokes the session (later `authenticate` calls with its tokens fail) and announces it. */
  logout(sessionId: string): Promise<void>;
  /** The signed-in person's profile and memberships; throws `unauthorized` if they no longer exist. */
  me(userId: string): Promise<Me>;
}

const DAY = 86_400;

/** Creates the auth service over `db`. Throws `RangeError` when the secret is too short. */
export function createAuthService(db: Database, options: AuthOptions): AuthService {
  const key = tokenKey(options.secret);
  const ttlSeconds = options.ttlSeconds ?? 7 * DAY;
  const renewAfterSeconds = options.renewAfterSeconds ?? DAY;
  const clock = options.now ?? (() => new Date());
  const windowSeconds = options.loginLimits?.windowSeconds ?? 900;
  const limiter = (capacity: number) =>
    new RateLimiter({ capacity, refillPerSecond: capacity / windowSeconds, now: () => clock().getTime() });
  const perEmail = limiter(options.loginLimits?.perEmail ?? 5);
  const perAddress = limiter(options.loginLimits?.perAddress ?? 20);

  /** Token times are whole seconds; the row and the cookie use the same rounded expiry. */
  const expiryFrom = (now: Date) => new Date(Math.floor(now.getTime() / 1000 + ttlSeconds) * 1000);

  return {
    async login(email, password, clientAddress, userAgent) {
      const emailKey = email.trim().toLowerCase();
      const addressKey = clientAddress;
      // Check both, then take from both, with no await in between: concurrent attempts cannot all
      // slip through while the slow password check of the first one is running.
      const byEmail = perEmail.check(emailKey);
      const byAddress = perAddress.check(addressKey);
      if (!byEmail.allowed || !byAddress.allowed) {
        const wait = Math.max(byEmail.retryAfterSeconds, byAddress.retryAfterSeconds);
        throw rateLimited(
          wait,
          `Too many failed sign-in attempts; wait ${describeWait(wait)} and try again.`,
        );
      }
      perEmail.take(emailKey);
      perAddress.take(addressKey);
      let failedCredentials = false;
      try {
        const found = await findUserForLogin(db, email.trim());
        const matches = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH);
        if (found === null || !matches) {
          failedCredentials = true;
          throw invalidCredentials();
        }
        // Only once the password is right, so this tells nothing to someone guessing.
        if (found.deactivated) throw accountDeactivated();
        const { passwordHash, deactivated: _, ...user } = found;
        // The only moment the plain password is known: move old hashes to the current parameters.
        if (needsRehash(passwordHash)) {
          await upgradePasswordHash(db, user.id, passwordHash, await hashPassword(password));
        }
        const now = clock();
        const expiresAt = expiryFrom(now);
        const session = await createSession(db, { userId: user.id, expiresAt, userAgent, ip: clientAddress });
        const token = await signSessionToken(key, {
          userId: user.id,
          sessionId: session.id,
          issuedAt: now,
          expiresAt,
        });
        return { user, token, expiresAt };
      } finally {
        // Only failed guesses count; a success or an outage gives the attempt back.
        if (!failedCredentials) {
          perEmail.refund(emailKey);
          perAddress.refund(addressKey);
        }
      }
    },

    async authenticate(token) {
      const now = clock();
      const claims = await verifySessionToken(key, token, now);
      const session = await getActiveSession(db, claims.sessionId);
      if (session === null || session.userId !== claims.userId) {
        throw unauthorized("Your session has ended; sign in again.");
      }
      const user = await getUser(db, claims.userId);
      if (user === null) throw unauthorized("This account no longer exists; sign in with another one.");
      if (now.getTime() - claims.issuedAt.getTime() < renewAfterSeconds * 1000) {
        return { user, sessionId: session.id, expiresAt: claims.expiresAt };
      }
      const expiresAt = expiryFrom(now);
      // Fails only when the session was revoked or expired since the check above.
      if (!(await extendSession(db, session.id, expiresAt))) {
        throw unauthorized("Your session has ended; sign in again.");
      }
      const renewed = await signSessionToken(key, {
        userId: user.id,
        sessionId: session.id,
        issuedAt: now,
        expiresAt,
      });
      return { user, sessionId: session.id, expiresAt, renewed: { token: renewed, expiresAt } };
    },

    async logout(sessionId) {
      await revokeSession(db, sessionId);
      options.events.publish({ kind: "session_ended", sessionId });
    },

    async me(userId) {
      const user = await getUser(db, userId);
      if (user === null) throw unauthorized("This account no longer exists; sign in with another one.");
      return { user, memberships: await listMemberships(db, userId) };
    },
  };
}

/** "3 minutes", "1 minute", "40 seconds": a wait people can read. */
function describeWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} second${s === 1 ? "" : "s"}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
}
