/**
 * Messaging settings per establishment (migration 0011): the mode, the loosening switches of the class
 * rules, the establishment's availability hours and each staff member's own hours. An establishment
 * without a row has the defaults ({@linkcode DEFAULT_MESSAGING_SETTINGS}); the rules themselves are in
 * domain/permissions.ts.
 */
import type { Queryable } from "./types.ts";
import { isUuid } from "./models.ts";
import { DEFAULT_HOURS, type WeeklyHours } from "../util/hours.ts";

/** Who may start and send: see the migration. */
export type MessagingMode = "open" | "staff_start" | "families_silenced";

/** Every mode, in the order the settings page offers them. */
export const MESSAGING_MODES: readonly MessagingMode[] = Object.freeze([
  "open",
  "staff_start",
  "families_silenced",
]);

/** One establishment's messaging settings. */
export interface MessagingSettings {
  mode: MessagingMode;
  /** Parents of pupils of one class may write to each other. */
  parentsInClass: boolean;
  /** Students of one class may write to each other. */
  studentsInClass: boolean;
  /** Parents may write to every teacher of the establishment, not only their children's. */
  parentsToAllTeachers: boolean;
  /** When staff answer families (and when their digests go out). */
  hours: WeeklyHours;
}

/** The settings of an establishment that never changed them. */
export const DEFAULT_MESSAGING_SETTINGS: Readonly<MessagingSettings> = Object.freeze({
  mode: "open",
  parentsInClass: false,
  studentsInClass: false,
  parentsToAllTeachers: false,
  hours: DEFAULT_HOURS,
});

/**
 * SQL selecting the settings of establishment `e` as one JSON object named `settings` (null when the
 * establishment has no row: {@linkcode settingsFromJson} fills the defaults). Callers join
 * `establishment_settings s ON s.establishment_id = …`.
 */
export const SETTINGS_JSON_SQL = `CASE WHEN s.establishment_id IS NULL THEN NULL ELSE json_build_object(
    'mode', s.messaging_mode, 'parentsInClass', s.parents_in_class, 'studentsInClass', s.students_in_class,
    'parentsToAllTeachers', s.parents_to_all_teachers, 'days', s.hours_days, 'opens', s.hours_opens,
    'closes', s.hours_closes, 'timeZone', s.time_zone) END`;

/** Shape of {@linkcode SETTINGS_JSON_SQL}. */
export interface SettingsJson {
  mode: MessagingMode;
  parentsInClass: boolean;
  studentsInClass: boolean;
  parentsToAllTeachers: boolean;
  days: number;
  opens: number;
  closes: number;
  timeZone: string;
}

/** The settings a {@linkcode SETTINGS_JSON_SQL} value stands for. */
export function settingsFromJson(json: SettingsJson | null): MessagingSettings {
  if (json === null) return DEFAULT_MESSAGING_SETTINGS;
  return {
    mode: json.mode,
    parentsInClass: json.parentsInClass,
    studentsInClass: json.studentsInClass,
    parentsToAllTeachers: json.parentsToAllTeachers,
    hours: { days: json.days, opens: json.opens, closes: json.closes, timeZone: json.timeZone },
  };
}

/** The establishment's settings (the defaults when it never changed them). */
export async function getMessagingSettings(
  q: Queryable,
  establishmentId: string,
): Promise<MessagingSettings> {
  if (!isUuid(establishmentId)) return DEFAULT_MESSAGING_SETTINGS;
  const rows = await q.query<{ settings: SettingsJson | null }>(
    `SELECT ${SETTINGS_JSON_SQL} AS settings
     FROM establishments e LEFT JOIN establishment_settings s ON s.establishment_id = e.id
     WHERE e.id = $1`,
    [establishmentId],
  );
  return settingsFromJson(rows[0]?.settings ?? null);
}

/** The modes of several establishments at once (the messagerie page's boot). */
export async function getMessagingModes(
  q: Queryable,
  establishmentIds: readonly string[],
): Promise<Map<string, MessagingMode>> {
  const ids = establishmentIds.filter(isUuid);
  const modes = new Map<string, MessagingMode>(ids.map((id) => [id.toLowerCase(), "open"]));
  if (ids.length === 0) return modes;
  const rows = await q.query<{ id: string; mode: MessagingMode }>(
    `SELECT establishment_id AS id, messaging_mode AS mode FROM establishment_settings
     WHERE establishment_id = ANY($1::uuid[])`,
    [ids],
  );
  for (const row of rows) modes.set(row.id, row.mode);
  return modes;
}

/** Stores the establishment's settings (every field), creating its row when needed. */
export async function saveMessagingSettings(
  q: Queryable,
  establishmentId: string,
  settings: MessagingSettings,
): Promise<void> {
  await q.query(
    `INSERT INTO establishment_settings (establishment_id, messaging_mode, parents_in_class, students_in_class,
       parents_to_all_teachers, hours_days, hours_opens, hours_closes, time_zone, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
     ON CONFLICT (establishment_id) DO UPDATE SET messaging_mode = EXCLUDED.messaging_mode,
       parents_in_class = EXCLUDED.parents_in_class, students_in_class = EXCLUDED.students_in_class,
       parents_to_all_teachers = EXCLUDED.parents_to_all_teachers, hours_days = EXCLUDED.hours_days,
       hours_opens = EXCLUDED.hours_opens, hours_closes = EXCLUDED.hours_closes,
       time_zone = EXCLUDED.time_zone, updated_at = now()`,
    [
      establishmentId,
      settings.mode,
      settings.parentsInClass,
      settings.studentsInClass,
      settings.parentsToAllTeachers,
      settings.hours.days,
      settings.hours.opens,
      settings.hours.closes,
      settings.hours.timeZone,
    ],
  );
}

/**
 * A staff member's hours in the establishment: their own when they set some (`own: true`), else the
 * establishment's. Always in the establishment's time zone.
 */
export async function getStaffHours(
  q: Queryable,
  establishmentId: string,
  userId: string,
): Promise<{ hours: WeeklyHours; own: boolean }> {
  const settings = await getMessagingSettings(q, establishmentId);
  if (!isUuid(userId)) return { hours: settings.hours, own: false };
  const rows = await q.query<{ days: number; opens: number; closes: number }>(
    `SELECT days, opens, closes FROM staff_hours WHERE establishment_id = $1 AND user_id = $2`,
    [establishmentId, userId],
  );
  const own = rows[0];
  return own === undefined
    ? { hours: settings.hours, own: false }
    : { hours: { ...own, timeZone: settings.hours.timeZone }, own: true };
}

/** Sets the staff member's own hours (`null` goes back to the establishment's). */
export async function setStaffHours(
  q: Queryable,
  establishmentId: string,
  userId: string,
  hours: Pick<WeeklyHours, "days" | "opens" | "closes"> | null,
): Promise<void> {
  if (hours === null) {
    await q.query(`DELETE FROM staff_hours WHERE establishment_id = $1 AND user_id = $2`, [
      establishmentId,
      userId,
    ]);
    return;
  }
  await q.query(
    `INSERT INTO staff_hours (establishment_id, user_id, days, opens, closes) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (establishment_id, user_id) DO UPDATE SET days = EXCLUDED.days, opens = EXCLUDED.opens,
       closes = EXCLUDED.closes, updated_at = now()`,
    [establishmentId, userId, hours.days, hours.opens, hours.closes],
  );
}

/** SQL of one staff member's hours as JSON, for `sm` a membership row and `s` its establishment's settings. */
export const STAFF_HOURS_JSON_SQL = `json_build_object(
    'days', coalesce(sh.days, s.hours_days, ${DEFAULT_HOURS.days}),
    'opens', coalesce(sh.opens, s.hours_opens, ${DEFAULT_HOURS.opens}),
    'closes', coalesce(sh.closes, s.hours_closes, ${DEFAULT_HOURS.closes}),
    'timeZone', coalesce(s.time_zone, '${DEFAULT_HOURS.timeZone}'))`;

/**
 * The hours of the staff members among `targets` (people in establishments): their own, else their
 * establishment's. Non-staff targets are left out (families have no hours). One query.
 */
export async function listStaffHours(
  q: Queryable,
  targets: readonly { userId: string; establishmentId: string }[],
): Promise<{ userId: string; establishmentId: string; hours: WeeklyHours }[]> {
  if (targets.length === 0) return [];
  return await q.query(
    `SELECT sm.user_id AS "userId", sm.establishment_id AS "establishmentId", ${STAFF_HOURS_JSON_SQL} AS hours
     FROM unnest($1::uuid[], $2::uuid[]) AS t(user_id, establishment_id)
     JOIN memberships sm ON sm.user_id = t.user_id AND sm.establishment_id = t.establishment_id
     LEFT JOIN establishment_settings s ON s.establishment_id = sm.establishment_id
     LEFT JOIN staff_hours sh ON sh.establishment_id = sm.establishment_id AND sh.user_id = sm.user_id
     WHERE sm.role IN ('admin', 'teacher')`,
    [targets.map((t) => t.userId), targets.map((t) => t.establishmentId)],
  );
}

/** Which of `userIds` are members of the establishment (who a `settings` frame is for). */
export async function listMembersAmong(
  q: Queryable,
  establishmentId: string,
  userIds: readonly string[],
): Promise<string[]> {
  const ids = userIds.filter(isUuid);
  if (ids.length === 0 || !isUuid(establishmentId)) return [];
  const rows = await q.query<{ user_id: string }>(
    `SELECT user_id FROM memberships WHERE establishment_id = $1 AND user_id = ANY($2::uuid[])`,
    [establishmentId, ids],
  );
  return rows.map((r) => r.user_id);
}
