/**
 * Mail preferences: each person's digest choice (`mail_preferences`; no row = "soon") and each
 * establishment's "no message text in emails" setting (`establishment_mail_settings`).
 */
import type { Queryable } from "./types.ts";
import { isUuid } from "./models.ts";

export type DigestChoice = "soon" | "daily" | "none";
export const DIGEST_CHOICES: readonly DigestChoice[] = ["soon", "daily", "none"];

/** A person's digest preference. */
export interface MailPreference {
  digest: DigestChoice;
  /** Local hour (0–23) of the daily digest. */
  dailyHour: number;
  /** IANA time zone of `dailyHour`. */
  timeZone: string;
}

/** The default for someone who never chose. */
export const DEFAULT_PREFERENCE: MailPreference = { digest: "soon", dailyHour: 18, timeZone: "Europe/Paris" };

/** The person's preference, or the default. */
export async function getMailPreference(q: Queryable, userId: string): Promise<MailPreference> {
  if (!isUuid(userId)) return { ...DEFAULT_PREFERENCE };
  const rows = await q.query<MailPreference>(
    `SELECT digest, daily_hour AS "dailyHour", time_zone AS "timeZone" FROM mail_preferences WHERE user_id = $1`,
    [userId],
  );
  return rows[0] ?? { ...DEFAULT_PREFERENCE };
}

/** Stores the person's preference (validated by the caller). */
export async function setMailPreference(q: Queryable, userId: string, pref: MailPreference): Promise<void> {
  await q.query(
    `INSERT INTO mail_preferences (user_id, digest, daily_hour, time_zone, updated_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, daily_hour = excluded.daily_hour,
       time_zone = excluded.time_zone, updated_at = now()`,
    [userId, pref.digest, pref.dailyHour, pref.timeZone],
  );
}

/** Sets only the choice (the one-click unsubscribe sets "none"); false when the user does not exist. */
export async function setDigestChoice(q: Queryable, userId: string, digest: DigestChoice): Promise<boolean> {
  if (!isUuid(userId)) return false;
  const rows = await q.query(
    `INSERT INTO mail_preferences (user_id, digest)
     SELECT id, $2 FROM users WHERE id = $1
     ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, updated_at = now()
     RETURNING user_id`,
    [userId, digest],
  );
  return rows.length > 0;
}

/** Whether the establishment hides message text in emails. */
export async function getHideMessageText(q: Queryable, establishmentId: string): Promise<boolean> {
  if (!isUuid(establishmentId)) return false;
  const rows = await q.query<{ hide: boolean }>(
    `SELECT hide_message_text AS hide FROM establishment_mail_settings WHERE establishment_id = $1`,
    [establishmentId],
  );
  return rows[0]?.hide ?? false;
}

/** Sets the establishment's "no message text in emails" setting. */
export async function setHideMessageText(
  q: Queryable,
  establishmentId: string,
  hide: boolean,
): Promise<void> {
  await q.query(
    `INSERT INTO establishment_mail_settings (establishment_id, hide_message_text) VALUES ($1, $2)
     ON CONFLICT (establishment_id) DO UPDATE SET hide_message_text = excluded.hide_message_text`,
    [establishmentId, hide],
  );
}
