/**
 * The mail settings people change: their own digest preference, and — for admins — their
 * establishment's "no message text in emails". Also the one-click unsubscribe, which needs no login.
 */
import type { Database } from "../../db/types.ts";
import {
  DIGEST_CHOICES,
  type DigestChoice,
  getHideMessageText,
  getMailPreference,
  type MailPreference,
  setDigestChoice,
  setHideMessageText,
  setMailPreference,
} from "../../db/mail_preferences.ts";
import { getRole, getUser } from "../../db/users.ts";
import type { User } from "../../db/models.ts";
import { badRequest, forbidden, notFound } from "../errors.ts";
import { verifyUnsubscribeToken } from "./unsubscribe.ts";

export type { MailPreference };

/** The person's preference (the default when they never chose). */
export function preferenceOf(db: Database, userId: string): Promise<MailPreference> {
  return getMailPreference(db, userId);
}

/** Validates and stores a preference; `timeZone` must be an IANA zone. */
export async function updatePreference(
  db: Database,
  userId: string,
  input: { digest?: unknown; dailyHour?: unknown; timeZone?: unknown },
): Promise<MailPreference> {
  const current = await getMailPreference(db, userId);
  const digest = input.digest ?? current.digest;
  if (typeof digest !== "string" || !DIGEST_CHOICES.includes(digest as DigestChoice)) {
    throw badRequest("digest: expected soon, daily or none.");
  }
  const dailyHour = input.dailyHour === undefined ? current.dailyHour : Number(input.dailyHour);
  if (!Number.isInteger(dailyHour) || dailyHour < 0 || dailyHour > 23) {
    throw badRequest("dailyHour: expected an hour from 0 to 23.");
  }
  const timeZone = input.timeZone === undefined ? current.timeZone : String(input.timeZone);
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    throw badRequest("timeZone: expected an IANA time zone such as Europe/Paris.");
  }
  const pref = { digest: digest as DigestChoice, dailyHour, timeZone };
  await setMailPreference(db, userId, pref);
  return pref;
}

/** Whether the establishment hides message text in emails (members only). */
export async function hideMessageTextOf(
  db: Database,
  userId: string,
  establishmentId: string,
): Promise<boolean> {
  if ((await getRole(db, userId, establishmentId)) === null) {
    throw notFound("No such establishment among yours.");
  }
  return await getHideMessageText(db, establishmentId);
}

/** Sets the establishment's "no message text in emails" (admins of it only). */
export async function updateHideMessageText(
  db: Database,
  userId: string,
  establishmentId: string,
  hide: boolean,
): Promise<void> {
  const role = await getRole(db, userId, establishmentId);
  if (role === null) throw notFound("No such establishment among yours.");
  if (role !== "admin") throw forbidden("Only the establishment's admins change this setting.");
  await setHideMessageText(db, establishmentId, hide);
}

/** The one-click unsubscribe: a valid token sets the digest preference to none. Returns the user id. */
export async function unsubscribe(db: Database, secret: string, token: string): Promise<string | undefined> {
  const userId = await verifyUnsubscribeToken(secret, token);
  if (userId === undefined) return undefined;
  return (await setDigestChoice(db, userId, "none")) ? userId : undefined;
}

/** Whose unsubscribe link this is (for the confirmation page), or undefined for an invalid token. */
export async function unsubscribeTarget(
  db: Database,
  secret: string,
  token: string,
): Promise<User | undefined> {
  const userId = await verifyUnsubscribeToken(secret, token);
  return userId === undefined ? undefined : (await getUser(db, userId)) ?? undefined;
}
