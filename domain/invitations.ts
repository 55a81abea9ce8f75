/**
 * Invitations: an admin invites someone by email into their establishment with a role; the mail's link
 * (single use, 7 days) lets the person choose a password and locale — or, when the address already has an
 * account, accept the new membership once signed in. Admins list open invitations, resend them (a new
 * link; the old one stops working) and revoke them. A used, revoked or expired link answers `410 gone`
 * with a message saying which and what to do. Every admin step and each acceptance is in the audit log.
 */
import type { Database } from "../db/types.ts";
import type { Role, User } from "../db/models.ts";
import {
  createInvitation,
  createInvitations,
  findInvitationByToken,
  findOpenInvitation,
  getInvitation,
  type Invitation,
  listOpenInvitations,
  markInvitationAccepted,
  renewInvitation,
  revokeInvitation as revokeRow,
} from "../db/invitations.ts";
import { createUser, findUserForLogin, getRole, setMembership } from "../db/users.ts";
import { enqueueMails } from "../db/mail_queue.ts";
import { appendAudit, appendAuditMany } from "../db/audit.ts";
import { claimGuardianships } from "../db/pupils.ts";
import { sqlState } from "../db/errors.ts";
import type { Locale } from "../i18n/mod.ts";
import type { MailService } from "./mail/mail_service.ts";
import { renderInvitationMail } from "./mail/account_mail.ts";
import { type Actor, personLabel, requireAdmin } from "./admin.ts";
import { AppError, badRequest, forbidden, notFound, unauthorized } from "./errors.ts";
import { hashPassword } from "./passwords.ts";
import { acceptInvitationBody, inviteBody, parseInput } from "./schemas.ts";
import { isLinkTokenShape, newLinkToken, tokenDigest } from "./single_use.ts";

/** How long an invitation link works. */
export const INVITATION_TTL_DAYS = 7;

/** What a link is now: usable, or why not. */
export type InvitationState = "open" | "accepted" | "revoked" | "expired" | "unknown";

/** The state of an invitation (the database rows use the database clock; this one is close enough to show). */
export function stateOf(invitation: Invitation, now = new Date()): Exclude<InvitationState, "unknown"> {
  if (invitation.acceptedAt) return "accepted";
  if (invitation.revokedAt) return "revoked";
  return invitation.expiresAt.getTime() <= now.getTime() ? "expired" : "open";
}

const GONE_MESSAGES: Record<"accepted" | "revoked" | "expired", string> = {
  accepted: "This invitation was already accepted; sign in with the account it created.",
  revoked: "This invitation was withdrawn; ask the school's office for a new one if you need access.",
  expired: "This invitation has expired (links work 7 days); ask the school's office to send it again.",
};

function unusable(state: InvitationState): AppError {
  if (state === "unknown") {
    return notFound("No invitation has this link; check that you copied all of it, or ask for a new one.");
  }
  return new AppError("gone", GONE_MESSAGES[state as keyof typeof GONE_MESSAGES]);
}

/** Queues the invitation mail for `invitation` with `token`, in `tx`. */
async function queueInvitationMail(
  tx: Parameters<Parameters<Database["transaction"]>[0]>[0],
  mail: MailService,
  invitation: Invitation,
  token: string,
  inviter: User,
  locale: Locale,
): Promise<void> {
  const message = renderInvitationMail({ name: invitation.name, email: invitation.email, locale }, {
    establishmentId: invitation.establishmentId,
    establishmentName: invitation.establishmentName,
    inviterName: inviter.name,
    url: `${mail.baseUrl}/${locale}/invitation?token=${token}`,
    fromAddress: mail.from.address,
    validDays: INVITATION_TTL_DAYS,
  });
  await enqueueMails(tx, [message], mail.now());
}

/** Records an admin's step on `invitation` in `tx`. */
async function auditInvitation(
  tx: Parameters<Parameters<Database["transaction"]>[0]>[0],
  admin: User,
  actor: Actor,
  action: "invitation.create" | "invitation.resend" | "invitation.revoke",
  invitation: Invitation,
): Promise<void> {
  await appendAudit(tx, {
    establishmentId: invitation.establishmentId,
    actorId: admin.id,
    actorLabel: personLabel(admin),
    action,
    targetType: "person",
    targetId: invitation.id,
    targetLabel: personLabel(invitation),
    clientAddress: actor.clientAddress,
    details: { role: invitation.role },
  });
}

function expiry(mail: MailService): Date {
  return new Date(mail.now().getTime() + INVITATION_TTL_DAYS * 86_400_000);
}

/**
 * Invites from `body` (`{establishmentId, email, name, role, locale?}`) on behalf of `actor`, an admin
 * there. Inviting an address that already has an open invitation sends that one again with a new link.
 */
export async function invite(
  db: Database,
  mail: MailService,
  actor: Actor,
  body: unknown,
): Promise<Invitation> {
  const input = parseInput(inviteBody, body);
  const admin = await requireAdmin(db, actor.userId, input.establishmentId);
  const existing = await findUserForLogin(db, input.email);
  if (existing && (await getRole(db, existing.id, input.establishmentId)) !== null) {
    throw badRequest(
      "email: this person is already a member of the establishment; change their role instead.",
    );
  }
  const token = newLinkToken();
  const tokenHash = await tokenDigest(token);
  const invitation = await db.transaction(async (tx) => {
    const open = await findOpenInvitation(tx, input.establishmentId, input.email);
    const fields = { tokenHash, expiresAt: expiry(mail), name: input.name, role: input.role as Role };
    const row = open && await renewInvitation(tx, open.id, fields)
      ? (await getInvitation(tx, open.id, input.establishmentId))!
      : await createInvitation(tx, {
        ...fields,
        establishmentId: input.establishmentId,
        email: input.email,
        invitedBy: admin.id,
      });
    await queueInvitationMail(tx, mail, row, token, admin, existing?.locale ?? input.locale);
    await auditInvitation(tx, admin, actor, open ? "invitation.resend" : "invitation.create", row);
    return row;
  });
  mail.wake();
  return invitation;
}

/**
 * Invites many people with one `role` inside the caller's transaction `tx` (a class-list import's new
 * guardians): the caller is the admin `admin` (already checked) and has made sure no address has an
 * open invitation there or is a member. Each gets the same mail and audit entry as {@linkcode invite};
 * the caller calls `mail.wake()` after its commit. Returns the invitations in the order of `invitees`.
 */
export async function inviteManyInTransaction(
  tx: Parameters<Parameters<Database["transaction"]>[0]>[0],
  mail: MailService,
  admin: User,
  actor: Actor,
  input: { establishmentId: string; role: Role; locale: Locale },
  invitees: readonly { email: string; name: string }[],
): Promise<Invitation[]> {
  if (invitees.length === 0) return [];
  const tokens = invitees.map(() => newLinkToken());
  const hashes = await Promise.all(tokens.map(tokenDigest));
  const invitations = await createInvitations(
    tx,
    {
      establishmentId: input.establishmentId,
      invitedBy: admin.id,
      role: input.role,
      expiresAt: expiry(mail),
    },
    invitees.map((p, i) => ({ email: p.email, name: p.name, tokenHash: hashes[i]! })),
  );
  const messages = invitations.map((invitation, i) =>
    renderInvitationMail({ name: invitation.name, email: invitation.email, locale: input.locale }, {
      establishmentId: invitation.establishmentId,
      establishmentName: invitation.establishmentName,
      inviterName: admin.name,
      url: `${mail.baseUrl}/${input.locale}/invitation?token=${tokens[i]}`,
      fromAddress: mail.from.address,
      validDays: INVITATION_TTL_DAYS,
    })
  );
  await enqueueMails(tx, messages, mail.now());
  await appendAuditMany(
    tx,
    invitations.map((invitation) => ({
      establishmentId: invitation.establishmentId,
      actorId: admin.id,
      actorLabel: personLabel(admin),
      action: "invitation.create",
      targetType: "person",
      targetId: invitation.id,
      targetLabel: personLabel(invitation),
      clientAddress: actor.clientAddress,
      details: { role: invitation.role },
    })),
  );
  return invitations;
}

/** Sends an open invitation again with a new link (the previous one stops working). */
export async function resendInvitation(
  db: Database,
  mail: MailService,
  actor: Actor,
  input: { establishmentId: string; invitationId: string; locale?: Locale },
): Promise<Invitation> {
  const admin = await requireAdmin(db, actor.userId, input.establishmentId);
  const found = await getInvitation(db, input.invitationId, input.establishmentId);
  if (found === null) throw notFound("No such invitation in this establishment.");
  if (found.acceptedAt || found.revokedAt) throw unusable(stateOf(found));
  const token = newLinkToken();
  const tokenHash = await tokenDigest(token);
  const invitation = await db.transaction(async (tx) => {
    const renewed = await renewInvitation(tx, found.id, {
      tokenHash,
      expiresAt: expiry(mail),
      name: found.name,
      role: found.role,
    });
    if (!renewed) throw unusable("accepted");
    const row = (await getInvitation(tx, found.id, input.establishmentId))!;
    const account = await findUserForLogin(tx, row.email);
    await queueInvitationMail(tx, mail, row, token, admin, account?.locale ?? input.locale ?? "fr");
    await auditInvitation(tx, admin, actor, "invitation.resend", row);
    return row;
  });
  mail.wake();
  return invitation;
}

/** Withdraws an open invitation: its link then shows that it was withdrawn. */
export async function revokeInvitation(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; invitationId: string },
): Promise<void> {
  const admin = await requireAdmin(db, actor.userId, input.establishmentId);
  const found = await getInvitation(db, input.invitationId, input.establishmentId);
  if (found === null) throw notFound("No such invitation in this establishment.");
  await db.transaction(async (tx) => {
    if (!(await revokeRow(tx, found.id, input.establishmentId))) throw unusable(stateOf(found));
    await auditInvitation(tx, admin, actor, "invitation.revoke", found);
  });
}

/** The establishment's open invitations (expired ones included, to resend), for its admins. */
export async function listInvitations(
  db: Database,
  adminId: string,
  establishmentId: string,
): Promise<Invitation[]> {
  await requireAdmin(db, adminId, establishmentId);
  return await listOpenInvitations(db, establishmentId);
}

/** What the invitation page shows for `token`. */
export interface InvitationLink {
  state: InvitationState;
  invitation?: Invitation;
  /** Whether the invited address already has an account (then: sign in and accept). */
  hasAccount: boolean;
}

/** Looks a link up without using it. */
export async function invitationLink(db: Database, token: string): Promise<InvitationLink> {
  const found = isLinkTokenShape(token) ? await findInvitationByToken(db, await tokenDigest(token)) : null;
  if (found === null) return { state: "unknown", hasAccount: false };
  return {
    state: stateOf(found),
    invitation: found,
    hasAccount: (await findUserForLogin(db, found.email)) !== null,
  };
}

/** The outcome of an acceptance. */
export interface Accepted {
  user: User;
  establishmentId: string;
  role: Role;
  /** True when the acceptance created the account (the caller then signs it in with the password). */
  created: boolean;
}

/**
 * Accepts the invitation of `body` (`{token, password?, locale?}`). Without an account for the address,
 * `password` creates it; with one, the caller must be signed in as that account (`signedInUserId`).
 */
export async function acceptInvitation(
  db: Database,
  body: unknown,
  signedInUserId: string | undefined,
  clientAddress: string,
): Promise<Accepted> {
  const input = parseInput(acceptInvitationBody, body);
  const link = await invitationLink(db, input.token);
  if (link.state !== "open" || !link.invitation) throw unusable(link.state);
  const invitation = link.invitation;
  const account = await findUserForLogin(db, invitation.email);
  if (account && signedInUserId === undefined) {
    throw unauthorized(
      "This address already has a Préau account: sign in with it, then open the link again.",
    );
  }
  if (account && account.id !== signedInUserId) {
    throw forbidden(`This invitation is for ${invitation.email}; sign out, then sign in with that account.`);
  }
  if (!account && input.password === undefined) {
    throw badRequest("password: required; choose a password of at least 12 characters for your new account");
  }
  const passwordHash = account ? undefined : await hashPassword(input.password!);
  try {
    return await accepting(db, invitation, account, passwordHash, input.locale, clientAddress);
  } catch (error) {
    // Two acceptances racing to create the account: the second finds the address taken.
    if (sqlState(error) === "23505") throw unusable("accepted");
    throw error;
  }
}

async function accepting(
  db: Database,
  invitation: Invitation,
  account: User | null,
  passwordHash: string | undefined,
  locale: Locale | undefined,
  clientAddress: string,
): Promise<Accepted> {
  return await db.transaction(async (tx) => {
    const user: User = account
      ? { id: account.id, name: account.name, email: account.email, locale: account.locale }
      : await createUser(tx, {
        email: invitation.email,
        name: invitation.name,
        passwordHash: passwordHash!,
        locale: locale ?? "fr",
      });
    if (!(await markInvitationAccepted(tx, invitation.id, user.id))) throw unusable("accepted");
    // A guardian invited by a class-list import becomes the guardian of those pupils.
    await claimGuardianships(tx, invitation.id, user.id);
    await setMembership(tx, {
      userId: user.id,
      establishmentId: invitation.establishmentId,
      role: invitation.role,
    });
    await appendAudit(tx, {
      establishmentId: invitation.establishmentId,
      actorId: user.id,
      actorLabel: personLabel(user),
      action: "invitation.accept",
      targetType: "membership",
      targetId: invitation.id,
      targetLabel: personLabel(user),
      clientAddress,
      details: { role: invitation.role },
    });
    return { user, establishmentId: invitation.establishmentId, role: invitation.role, created: !account };
  });
}
