/**
 * First run: a database without any establishment is not set up. At start, Préau then issues a setup
 * link (`Setup: open <url>/setup?token=…`, see `server/start.ts`); whoever holds it creates the first
 * establishment and its first admin, through the `/setup` page or `POST /api/setup`. From the moment an
 * establishment exists, setup answers `410 gone`, whatever the token: the admin panel takes over.
 *
 * Every start of an unset-up database prints a fresh link (each `deno serve` isolate too); all of them
 * work until one is used or a day has passed. Only their SHA-256 digests are stored.
 */
import type { Database } from "../db/types.ts";
import type { Establishment, User } from "../db/models.ts";
import { createEstablishment, hasEstablishment, lockEstablishmentsForSetup } from "../db/establishments.ts";
import { createUser, setMembership } from "../db/users.ts";
import { insertSingleUseToken, isSingleUseTokenValid, spendSingleUseToken } from "../db/single_use_tokens.ts";
import { AppError, forbidden } from "./errors.ts";
import { hashPassword } from "./passwords.ts";
import { isLinkTokenShape, newLinkToken, tokenDigest } from "./single_use.ts";
import { parseInput, setupBody } from "./schemas.ts";
import { sqlState } from "../db/errors.ts";
import { appendAudit } from "../db/audit.ts";
import { personLabel } from "./admin.ts";

/** How long a printed setup link works. */
export const SETUP_TOKEN_TTL_MS = 24 * 3600_000;

/** `410 gone`: Préau is already set up. */
export function alreadySetUp(): AppError {
  return new AppError(
    "gone",
    "Préau is already set up; sign in, and ask an admin of your establishment for an account if you have none.",
  );
}

function invalidSetupLink(): AppError {
  return forbidden(
    "This setup link is not valid (mistyped, already used, or more than a day old); restart Préau to print a new one.",
  );
}

/** A new setup token when the database holds no establishment, else null (nothing to set up). */
export async function issueSetupToken(db: Database): Promise<string | null> {
  if (await hasEstablishment(db)) return null;
  const token = newLinkToken();
  await insertSingleUseToken(db, {
    tokenHash: await tokenDigest(token),
    purpose: "setup",
    expiresAt: new Date(Date.now() + SETUP_TOKEN_TTL_MS),
  });
  return token;
}

/** What the `/setup` page should show for `token`: the form, the "already set up" page, or a refusal. */
export async function setupLinkState(db: Database, token: string): Promise<"open" | "done" | "invalid"> {
  if (await hasEstablishment(db)) return "done";
  if (!isLinkTokenShape(token)) return "invalid";
  return await isSingleUseTokenValid(db, await tokenDigest(token), "setup") ? "open" : "invalid";
}

/** The first establishment and its admin. */
export interface SetupResult {
  establishment: Establishment;
  admin: User;
}

/**
 * Creates the first establishment and its admin from `body` (the `POST /api/setup` body, or the page's
 * form as an object), spending the token. Throws `gone` once any establishment exists — before even
 * reading the body —, `bad_request` naming the field, `forbidden` for an unusable token.
 */
export async function completeSetup(
  db: Database,
  body: unknown,
  clientAddress: string,
): Promise<SetupResult> {
  if (await hasEstablishment(db)) throw alreadySetUp();
  const input = parseInput(setupBody, body);
  if (!isLinkTokenShape(input.token)) throw invalidSetupLink();
  const digest = await tokenDigest(input.token);
  // The slow hash before the transaction, which holds the establishments lock.
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      await lockEstablishmentsForSetup(tx);
      if (await hasEstablishment(tx)) throw alreadySetUp();
      if (!(await spendSingleUseToken(tx, digest, "setup"))) throw invalidSetupLink();
      const establishment = await createEstablishment(tx, {
        name: input.establishmentName,
        slug: slugFor(input.establishmentName),
      });
      const admin = await createUser(tx, {
        email: input.adminEmail,
        name: input.adminName,
        passwordHash,
        locale: input.locale,
      });
      await setMembership(tx, { userId: admin.id, establishmentId: establishment.id, role: "admin" });
      await appendAudit(tx, {
        establishmentId: establishment.id,
        actorId: admin.id,
        actorLabel: personLabel(admin),
        action: "establishment.setup",
        targetType: "establishment",
        targetId: establishment.id,
        targetLabel: establishment.name,
        clientAddress,
      });
      return { establishment, admin };
    });
  } catch (error) {
    // Only reachable if someone created that user by hand meanwhile (the database has no establishment).
    if (sqlState(error) === "23505") {
      throw new AppError("bad_request", "adminEmail: this address already has an account; use another one.");
    }
    throw error;
  }
}

/** "École Jules-Ferry (Lyon)" → "ecole-jules-ferry-lyon"; a name with no letter or digit gives "etablissement". */
export function slugFor(name: string): string {
  const slug = name.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  return slug === "" ? "etablissement" : slug;
}
