/**
 * Sign-in, session checks and sign-out. A session is a database row (revocable at once) named by
 * the `jti` of a signed token (cheap to reject when forged or stale); both must be valid.
 *
 * Login answers `invalid_credentials` for an unknown email and a wrong password alike, after the
 * same Argon2id work (see `passwords.ts`), and is rate limited per email and per client address so
 * that neither one account nor one source can be guessed at quickly: every attempt counts against a
 * loose limit (each one costs a 19 MiB hash), failed ones also against a tight one. The limits live
 * in the database (`limits.ts`), so every instance sees the same counts. Tokens are renewed while in
 * use: a token older than `renewAfterSeconds` gets a successor and its session row a later expiry,
 * so an active user stays signed in and an idle one is signed out after `ttlSeconds`.
 */

import type { Database } from "../db/types.ts";
import type { Membership, User } from "../db/models.ts";
import { findUserForLogin, getUser, listMemberships, upgradePasswordHash } from "../db/users.ts";
import {
  createSession,
  extendSession,
  getActiveSessionUsers,
  purgeEndedSessions,
  revokeSession,
  revokeSessionsBeyond,
} from "../db/sessions.ts";
import { accountDeactivated, invalidCredentials, rateLimited, unauthorized } from "./errors.ts";
import { type Argon2, sharedArgon2Pool } from "./argon2_pool.ts";
import { StatementBatcher } from "../util/statement_batcher.ts";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "./passwords.ts";
import type { DomainEvents } from "./events.ts";
import {
  databaseRateLimits,
  describeWait,
  LIMITS,
  type LimitTake,
  perWindow,
  type RateLimitStore,
} from "./limits.ts";
import { signSessionToken, tokenKey, verifySessionToken } from "./tokens.ts";

/**
 * Limits on logins; each allows its count per `windowSeconds`, refilling gradually. Defaults:
 * {@linkcode LIMITS} (docs/protocol.md, "Limits").
 */
export interface LoginLimits {
  /** Failures allowed per email. Default: 5. */
  perEmail?: number;
  /** Failures allowed per client address (shared offices and schools sit behind one). Default: 20. */
  perAddress?: number;
  /** Attempts, successful or not, per email. Default: 20. */
  attemptsPerEmail?: number;
  /** Attempts, successful or not, per client address. Default: 300. */
  attemptsPerAddress?: number;
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
  /** Clock for tokens. Default: the real time. Session rows and rate limits use the database clock. */
  now?: () => Date;
  loginLimits?: LoginLimits;
  /** Where login limits are kept. Default: {@linkcode databaseRateLimits} over `db`. */
  limits?: RateLimitStore;
  /** Active sessions kept per person; a login beyond revokes the oldest. Default 20. */
  maxSessionsPerUser?: number;
  /** How often (per instance) sessions ended over a day ago are deleted. Default: hourly. */
  purgeIntervalMs?: number;
  /**
   * Computes the Argon2id hashes of logins. Default: the process's worker pool
   * (`sharedArgon2Pool()`), so hashing never blocks the event loop.
   */
  argon2?: Argon2;
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
  const store = options.limits ?? databaseRateLimits(db);
  const argon2 = options.argon2 ?? sharedArgon2Pool().argon2;
  const maxSessions = options.maxSessionsPerUser ?? 20;
  const purgeIntervalMs = options.purgeIntervalMs ?? 3_600_000;
  let lastPurge = 0;
  // Every authenticated request and socket reads its session: concurrent ones share a statement,
  // and under load a statement waits up to 3 ms for more (a statement's round trip costs an
  // instance more CPU than its rows: at 250 REST sends per second, this halves them).
  const sessionLookups = new StatementBatcher(
    (lookups: readonly { id: string; userId: string }[]) => getActiveSessionUsers(db, lookups),
    { gatherMs: 3 },
  );
  const custom = options.loginLimits ?? {};
  const windowSeconds = custom.windowSeconds ?? 900;
  const rule = (base: (typeof LIMITS)[keyof typeof LIMITS], capacity: number | undefined) =>
    capacity === undefined && custom.windowSeconds === undefined
      ? base
      : perWindow(base.name, capacity ?? base.capacity, windowSeconds);
  const rules = {
    failuresPerEmail: rule(LIMITS.loginFailuresPerAccount, custom.perEmail),
    failuresPerAddress: rule(LIMITS.loginFailuresPerAddress, custom.perAddress),
    attemptsPerEmail: rule(LIMITS.loginsPerAccount, custom.attemptsPerEmail),
    attemptsPerAddress: rule(LIMITS.loginsPerAddress, custom.attemptsPerAddress),
  };

  /** Token times are whole seconds; the row and the cookie use the same rounded expiry. */
  const expiryFrom = (now: Date) => new Date(Math.floor(now.getTime() / 1000 + ttlSeconds) * 1000);

  return {
    async login(email, password, clientAddress, userAgent) {
      const emailKey = email.trim().toLowerCase();
      const failures: LimitTake[] = [
        { rule: rules.failuresPerEmail, key: emailKey },
        { rule: rules.failuresPerAddress, key: clientAddress },
      ];
      // Every attempt takes from all four buckets at once, before the slow password check, so
      // concurrent attempts cannot all slip through while the first one is being hashed.
      const decision = await store.take([
        { rule: rules.attemptsPerEmail, key: emailKey },
        { rule: rules.attemptsPerAddress, key: clientAddress },
        ...failures,
      ]);
      if (!decision.allowed) {
        const wait = decision.retryAfterSeconds;
        throw rateLimited(wait, `Too many sign-in attempts; wait ${describeWait(wait)} and try again.`);
      }
      let failedCredentials = false;
      try {
        const found = await findUserForLogin(db, email.trim());
        const matches = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH, argon2);
        if (found === null || !matches) {
          failedCredentials = true;
          throw invalidCredentials();
        }
        // Only once the password is right, so this tells nothing to someone guessing.
        if (found.deactivated) throw accountDeactivated();
        const { passwordHash, deactivated: _, ...user } = found;
        // The only moment the plain password is known: move old hashes to the current parameters.
        if (needsRehash(passwordHash)) {
          await upgradePasswordHash(db, user.id, passwordHash, await hashPassword(password, argon2));
        }
        const now = clock();
        const expiresAt = expiryFrom(now);
        const session = await createSession(db, { userId: user.id, expiresAt, userAgent, ip: clientAddress });
        // Beyond the cap the oldest sessions end, and their sockets close like after a sign-out.
        for (const ended of await revokeSessionsBeyond(db, user.id, maxSessions)) {
          options.events.publish({ kind: "session_ended", sessionId: ended });
        }
        if (Date.now() - lastPurge >= purgeIntervalMs) {
          lastPurge = Date.now();
          // Not awaited: bounding the table is nobody's wait. Both adapters finish it before closing.
          purgeEndedSessions(db).catch((error) =>
            console.warn("sessions: purging ended ones failed:", error)
          );
        }
        const token = await signSessionToken(key, {
          userId: user.id,
          sessionId: session.id,
          issuedAt: now,
          expiresAt,
        });
        return { user, token, expiresAt };
      } finally {
        // Only failed guesses count as failures; a success or an outage gives that token back.
        if (!failedCredentials) {
          await store.refund(failures).catch((error) =>
            console.warn("login: giving back a failure token failed:", error)
          );
        }
      }
    },

    async authenticate(token) {
      const now = clock();
      const claims = await verifySessionToken(key, token, now);
      // One round trip: a session row only exists while its person does (deleting one deletes both).
      const found = await sessionLookups.one({ id: claims.sessionId, userId: claims.userId });
      if (found === null) throw unauthorized("Your session has ended; sign in again.");
      const { session, user } = found;
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
