/**
 * What the server's operator does from a shell (`deno task admin …`, `scripts/admin.ts`), through the same
 * rules as the web pages: the first-run names and passwords, deactivation (`applyActive`), reset links
 * (`issueResetLink`). The operator is trusted (they hold the database); every command is recorded in the
 * audit log as "operator (deno task admin)" for each establishment it concerns.
 *
 * Sessions ended by a deactivation here close their live sockets at the servers' next periodic re-check
 * (the operator's process is not on their event port); the web endpoint closes them at once.
 */
import type { Database } from "../db/types.ts";
import type { Establishment, User } from "../db/models.ts";
import { isUuid } from "../db/models.ts";
import {
  createEstablishment,
  findEstablishmentBySlug,
  listEstablishmentsWithCounts,
} from "../db/establishments.ts";
import { createUser, findUserForLogin, getUser, listMemberships, setMembership } from "../db/users.ts";
import { appendAudit } from "../db/audit.ts";
import { sqlState } from "../db/errors.ts";
import type { DomainEvents } from "./events.ts";
import { applyActive, personLabel } from "./admin.ts";
import { badRequest, notFound } from "./errors.ts";
import { hashPassword } from "./passwords.ts";
import { issueResetLink } from "./password_reset.ts";
import { slugFor } from "./setup.ts";
import { parseInput, setupBody } from "./schemas.ts";
import { newLinkToken } from "./single_use.ts";
import * as v from "valibot";

/** How operator commands appear in the audit log. */
export const OPERATOR = "operator (deno task admin)";

const names = v.object({ establishmentName: setupBody.entries.establishmentName });
const person = v.object({ adminName: setupBody.entries.adminName, adminEmail: setupBody.entries.adminEmail });

/** Every establishment, with member and admin counts. */
export function listEstablishments(db: Database) {
  return listEstablishmentsWithCounts(db);
}

/** The establishment named by its id or its slug; `not_found` otherwise. */
export async function findEstablishment(db: Database, idOrSlug: string): Promise<Establishment> {
  const bySlug = await findEstablishmentBySlug(db, idOrSlug);
  if (bySlug) return bySlug;
  if (isUuid(idOrSlug)) {
    const rows = (await listEstablishmentsWithCounts(db)).filter((e) => e.id === idOrSlug.toLowerCase());
    if (rows[0]) return { id: rows[0].id, name: rows[0].name, slug: rows[0].slug };
  }
  throw notFound(
    `No establishment has the id or slug "${idOrSlug}"; see \`deno task admin list-establishments\`.`,
  );
}

/** Creates an establishment named `name` (slug from the name unless given). */
export async function createSchool(
  db: Database,
  input: { name: string; slug?: string },
): Promise<Establishment> {
  const { establishmentName } = parseInput(names, { establishmentName: input.name }, "arguments");
  const slug = input.slug ?? slugFor(establishmentName);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug)) {
    throw badRequest("--slug: lower-case letters and digits joined by hyphens, e.g. ecole-jules-ferry");
  }
  try {
    return await db.transaction(async (tx) => {
      const establishment = await createEstablishment(tx, { name: establishmentName, slug });
      await appendAudit(tx, {
        establishmentId: establishment.id,
        actorId: null,
        actorLabel: OPERATOR,
        action: "establishment.create",
        targetType: "establishment",
        targetId: establishment.id,
        targetLabel: establishment.name,
      });
      return establishment;
    });
  } catch (error) {
    if (sqlState(error) === "23505") {
      throw badRequest(`--slug: "${slug}" is taken; choose another with --slug.`);
    }
    throw error;
  }
}

/**
 * Makes the person with `email` an admin of the establishment, creating the account (with `name`) if
 * there is none; a new account gets a one-time link to choose its password (valid one hour).
 */
export async function addAdmin(
  db: Database,
  baseUrl: string,
  input: { establishment: string; email: string; name?: string },
): Promise<{ user: User; created: boolean; link?: string }> {
  const establishment = await findEstablishment(db, input.establishment);
  const existing = await findUserForLogin(db, input.email.trim());
  if (!existing && !input.name) throw badRequest("--name: required for a new account");
  const parsed = parseInput(
    person,
    { adminName: input.name ?? existing?.name, adminEmail: input.email },
    "arguments",
  );
  // Nobody knows this password: the new admin chooses theirs through the printed link.
  const passwordHash = existing ? undefined : await hashPassword(newLinkToken());
  return await db.transaction(async (tx) => {
    const user = existing ? (await getUser(tx, existing.id))! : await createUser(tx, {
      email: parsed.adminEmail,
      name: parsed.adminName,
      passwordHash: passwordHash!,
    });
    await setMembership(tx, { userId: user.id, establishmentId: establishment.id, role: "admin" });
    await appendAudit(tx, {
      establishmentId: establishment.id,
      actorId: null,
      actorLabel: OPERATOR,
      action: "person.add_admin",
      targetType: "person",
      targetId: user.id,
      targetLabel: personLabel(user),
    });
    const link = existing ? undefined : await issueResetLink(tx, user, baseUrl, new Date());
    return { user, created: !existing, link };
  });
}

async function accountOf(db: Database, email: string): Promise<User> {
  const found = await findUserForLogin(db, email.trim());
  if (!found) throw notFound(`No account uses ${email}; check the address (any letter case works).`);
  return (await getUser(db, found.id))!;
}

/** A one-time link (valid one hour) for the person with `email` to choose a new password. */
export async function operatorResetLink(db: Database, baseUrl: string, email: string): Promise<string> {
  const user = await accountOf(db, email);
  const memberships = await listMemberships(db, user.id);
  return await db.transaction(async (tx) => {
    for (const m of memberships.length > 0 ? memberships : [{ establishmentId: null }]) {
      await appendAudit(tx, {
        establishmentId: m.establishmentId,
        actorId: null,
        actorLabel: OPERATOR,
        action: "person.reset_link",
        targetType: "person",
        targetId: user.id,
        targetLabel: personLabel(user),
      });
    }
    return await issueResetLink(tx, user, baseUrl, new Date());
  });
}

/** Deactivates (or, with `active`, reactivates) the account of `email`; returns whether it changed. */
export async function operatorSetActive(
  db: Database,
  events: DomainEvents,
  email: string,
  active: boolean,
): Promise<{ user: User; changed: boolean }> {
  const user = await accountOf(db, email);
  const memberships = await listMemberships(db, user.id);
  const changed = await applyActive(db, events, user, active, {
    actorId: null,
    actorLabel: OPERATOR,
    clientAddress: null,
    establishmentIds: memberships.map((m) => m.establishmentId),
  });
  return { user, changed };
}
