/**
 * Changing an establishment's messaging settings (admins only, audited in the same transaction) and a
 * staff member's own availability hours. A change is published after COMMIT (`settings_changed`), so
 * every instance updates its open pages at once; sends read the settings from the database at send
 * time, so they never depend on that event arriving.
 */
import type { Database } from "../db/types.ts";
import { getRole } from "../db/users.ts";
import { appendAudit } from "../db/audit.ts";
import {
  getMessagingModes,
  getMessagingSettings,
  getStaffHours,
  MESSAGING_MODES,
  type MessagingMode,
  type MessagingSettings,
  saveMessagingSettings,
  setStaffHours,
} from "../db/establishment_settings.ts";
import { isValidHours, parseClock, type WeeklyHours } from "../util/hours.ts";
import { type Actor, personLabel, requireAdmin } from "./admin.ts";
import { badRequest, forbidden, notFound } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import { isStaff } from "./permissions.ts";

/** The messaging mode of each of the viewer's establishments (the messagerie page's banner and composer). */
export async function messagingModes(
  db: Database,
  establishmentIds: readonly string[],
): Promise<Record<string, MessagingMode>> {
  return Object.fromEntries(await getMessagingModes(db, establishmentIds));
}

/** The establishment's settings, for its admins. */
export async function settingsForAdmin(
  db: Database,
  adminId: string,
  establishmentId: string,
): Promise<MessagingSettings> {
  await requireAdmin(db, adminId, establishmentId);
  return await getMessagingSettings(db, establishmentId);
}

/**
 * Reads the settings form: `mode`, the checkboxes `parentsInClass`, `studentsInClass`,
 * `parentsToAllTeachers`, the weekday checkboxes `day` (0 = Monday), `opens`/`closes` ("07:30") and
 * `timeZone`. Throws `bad_request` naming what is wrong.
 */
export function parseSettingsForm(form: FormData): MessagingSettings {
  const mode = String(form.get("mode") ?? "");
  if (!MESSAGING_MODES.includes(mode as MessagingMode)) {
    throw badRequest("mode: expected open, staff_start or families_silenced.");
  }
  return {
    mode: mode as MessagingMode,
    parentsInClass: form.get("parentsInClass") === "on",
    studentsInClass: form.get("studentsInClass") === "on",
    parentsToAllTeachers: form.get("parentsToAllTeachers") === "on",
    hours: { ...parseHoursForm(form), timeZone: String(form.get("timeZone") ?? "").trim() },
  };
}

/** The days and times of an hours form (see {@linkcode parseSettingsForm}). */
export function parseHoursForm(form: FormData): Pick<WeeklyHours, "days" | "opens" | "closes"> {
  let days = 0;
  for (const value of form.getAll("day")) {
    const day = Number(value);
    if (!Number.isInteger(day) || day < 0 || day > 6) {
      throw badRequest("day: expected 0 (Monday) to 6 (Sunday).");
    }
    days |= 1 << day;
  }
  const opens = parseClock(String(form.get("opens") ?? ""));
  const closes = parseClock(String(form.get("closes") ?? ""));
  if (opens === null || closes === null || opens >= closes || opens >= 1440) {
    throw badRequest("opens, closes: expected times like 07:30 and 19:00, the opening before the closing.");
  }
  return { days, opens, closes };
}

/** Stores the settings on behalf of an admin, audited, then tells every instance. */
export async function updateMessagingSettings(
  db: Database,
  events: DomainEvents,
  actor: Actor,
  establishmentId: string,
  settings: MessagingSettings,
): Promise<void> {
  const admin = await requireAdmin(db, actor.userId, establishmentId);
  if (!isValidHours(settings.hours)) {
    throw badRequest("hours: check the opening and closing times and the time zone (e.g. Europe/Paris).");
  }
  const before = await getMessagingSettings(db, establishmentId);
  await db.transaction(async (tx) => {
    await saveMessagingSettings(tx, establishmentId, settings);
    await appendAudit(tx, {
      establishmentId,
      actorId: admin.id,
      actorLabel: personLabel(admin),
      action: "establishment.messaging_settings",
      targetType: "establishment",
      targetId: establishmentId,
      clientAddress: actor.clientAddress,
      details: { before, after: settings },
    });
  });
  events.publish({ kind: "settings_changed", establishmentId, mode: settings.mode });
}

/** A staff member's hours in the establishment (`own` false when they follow the establishment's). */
export async function ownHours(
  db: Database,
  userId: string,
  establishmentId: string,
): Promise<{ hours: WeeklyHours; own: boolean }> {
  await requireStaff(db, userId, establishmentId);
  return await getStaffHours(db, establishmentId, userId);
}

/** Sets the staff member's own hours, or (`null`) goes back to the establishment's. */
export async function updateOwnHours(
  db: Database,
  userId: string,
  establishmentId: string,
  hours: Pick<WeeklyHours, "days" | "opens" | "closes"> | null,
): Promise<void> {
  await requireStaff(db, userId, establishmentId);
  if (hours !== null && !isValidHours({ ...hours, timeZone: "UTC" })) {
    throw badRequest("opens, closes: expected times like 07:30 and 19:00, the opening before the closing.");
  }
  await setStaffHours(db, establishmentId, userId, hours);
}

async function requireStaff(db: Database, userId: string, establishmentId: string): Promise<void> {
  const role = await getRole(db, userId, establishmentId);
  if (role === null) throw notFound("No such establishment among yours; check the establishmentId.");
  if (!isStaff(role)) throw forbidden("Only admins and teachers have availability hours.");
}
