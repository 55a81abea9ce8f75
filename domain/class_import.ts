/**
 * Class-list import (`/[locale]/admin/classes/import`): an admin uploads the CSV of the school's
 * administration software (`class_import_csv.ts` reads it), sees a preview of what will be created,
 * updated and left alone with each bad row's errors, then applies it. Applying re-reads the same file
 * and re-checks every row against the database inside one transaction (the preview is never trusted),
 * so the file is applied whole or not at all, minus its bad rows.
 *
 * Matching makes a re-import change nothing: a pupil is the one with the same pupil number when the file
 * has one, else the one with the same name (accents and case ignored) in the same class; a guardian is
 * the one with the same email. Classes must exist for the chosen school year (an unknown class is a row
 * error saying to create it first). A guardian whose email is a member of the establishment is linked at
 * once; anyone else gets an invitation (role parent, the usual mail and 7-day link), and the link to the
 * pupil follows when they accept it. Nothing is removed: pupils, classes and guardians absent from the
 * file stay as they are.
 */
import type { Database, Queryable } from "../db/types.ts";
import type { User } from "../db/models.ts";
import { addPupilsToClasses, isSchoolYear, listClasses, type SchoolClass } from "../db/classes.ts";
import {
  findMembersByEmail,
  type ImportPupil,
  insertPupils,
  linkGuardians,
  listPupilsForImport,
  lockClassImports,
  renamePupils,
} from "../db/pupils.ts";
import { findOpenInvitations, type Invitation } from "../db/invitations.ts";
import { appendAudit } from "../db/audit.ts";
import type { Locale } from "../i18n/mod.ts";
import type { MailService } from "./mail/mail_service.ts";
import { type Actor, personLabel, requireAdmin } from "./admin.ts";
import { inviteManyInTransaction } from "./invitations.ts";
import { badRequest } from "./errors.ts";
import { codePointLength } from "./text.ts";
import { type ImportRow, parseClassList } from "./class_import_csv.ts";
import { MAX_EXTERNAL_REF, MAX_PUPIL_NAME } from "./school.ts";

/** Why a row cannot be imported (the page words each one, `i18n` keys `import.error.*`). */
export type RowError =
  | { code: "missing_pupil" }
  | { code: "missing_class" }
  | { code: "unknown_class"; className: string; schoolYear: string }
  | { code: "invalid_email"; guardian: 1 | 2; email: string }
  | { code: "missing_guardian_name"; guardian: 1 | 2 }
  | { code: "too_long"; column: string; max: number }
  | { code: "duplicate_row"; firstLine: number };

/** What applying does to a row's pupil. */
export type RowStatus = "create" | "update" | "unchanged" | "error";

/** One row of the preview. */
export interface PreviewRow {
  line: number;
  pupil: string;
  className: string;
  status: RowStatus;
  errors: RowError[];
  /** For "update": what changes (`name`, `class`, `guardians`). */
  changes: ("name" | "class" | "guardians")[];
  /** Guardians' emails this row links or invites. */
  guardians: { email: string; name: string; how: "linked" | "link" | "invite" }[];
}

/** Counts of a preview (what applying will do) or of an applied import (what it did). */
export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: number;
  /** Guardians linked to an existing account. */
  guardiansLinked: number;
  /** New guardians who get an invitation. */
  invitations: number;
}

/** The preview of a file. */
export interface ImportPreview {
  schoolYear: string;
  encoding: "utf-8" | "windows-1252";
  separator: ";" | ",";
  rows: PreviewRow[];
  counts: ImportCounts;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

/** What the plan needs to know of the database. */
interface Snapshot {
  classes: SchoolClass[];
  pupils: ImportPupil[];
  members: Map<string, { id: string }>;
  invitations: Map<string, Invitation>;
}

/** A row that can be applied, with what it needs. */
interface PlannedRow {
  preview: PreviewRow;
  classId: string;
  /** The matched pupil, or null for a new one. */
  pupil: ImportPupil | null;
  name: string;
  givenName: string | null;
  externalRef: string | null;
  /** Guardians not linked yet: by account, by open invitation, or to invite (keyed by email). */
  links: { userId?: string; invitationId?: string; inviteEmail?: string }[];
}

/** The file's pupils' guardians' emails, lower-cased (what the snapshot must look up). */
function emailsOf(rows: readonly ImportRow[]): string[] {
  const emails = new Set<string>();
  for (const { cells } of rows) {
    for (const e of [cells.guardian1Email, cells.guardian2Email]) {
      if (EMAIL.test(e)) emails.add(e.toLowerCase());
    }
  }
  return [...emails];
}

async function snapshot(q: Queryable, establishmentId: string, schoolYear: string, rows: ImportRow[]) {
  const emails = emailsOf(rows);
  const [classes, pupils, members, invitations] = await Promise.all([
    listClasses(q, establishmentId, schoolYear),
    listPupilsForImport(q, establishmentId),
    findMembersByEmail(q, establishmentId, emails),
    findOpenInvitations(q, establishmentId, emails),
  ]);
  return { classes, pupils, members, invitations };
}

/** Decides every row against `db` (pure): errors, matches, and what applying changes. */
function plan(rows: readonly ImportRow[], schoolYear: string, db: Snapshot) {
  const classByName = new Map(db.classes.map((c) => [fold(c.name), c]));
  const byRef = new Map(
    db.pupils.flatMap((p) => p.externalRef ? [[p.externalRef.toLowerCase(), p] as const] : []),
  );
  const byNameAndClass = new Map<string, ImportPupil>();
  for (const p of db.pupils) for (const c of p.classIds) byNameAndClass.set(`${fold(p.name)}|${c}`, p);
  const seen = new Map<string, number>();
  /** New guardians: email → name (the first row's), invited once however many rows name them. */
  const toInvite = new Map<string, string>();
  const planned: PlannedRow[] = [];
  const previews: PreviewRow[] = [];
  for (const { line, cells } of rows) {
    const errors: RowError[] = [];
    const last = cells.lastName || cells.fullName;
    const givenName = cells.lastName && cells.firstName ? cells.firstName : null;
    const name = givenName ? `${givenName} ${last}` : last;
    const externalRef = cells.ref || null;
    if (name === "") errors.push({ code: "missing_pupil" });
    if (codePointLength(last) > MAX_PUPIL_NAME) {
      errors.push({ code: "too_long", column: "name", max: MAX_PUPIL_NAME });
    }
    if (givenName && codePointLength(givenName) > MAX_PUPIL_NAME) {
      errors.push({ code: "too_long", column: "firstName", max: MAX_PUPIL_NAME });
    }
    if (externalRef && codePointLength(externalRef) > MAX_EXTERNAL_REF) {
      errors.push({ code: "too_long", column: "ref", max: MAX_EXTERNAL_REF });
    }
    const schoolClass = cells.className ? classByName.get(fold(cells.className)) : undefined;
    if (cells.className === "") errors.push({ code: "missing_class" });
    else if (!schoolClass) errors.push({ code: "unknown_class", className: cells.className, schoolYear });
    const guardians: { email: string; name: string }[] = [];
    for (const n of [1, 2] as const) {
      const email = cells[`guardian${n}Email`];
      const guardianName = [cells[`guardian${n}FirstName`], cells[`guardian${n}Name`]].filter(Boolean).join(
        " ",
      );
      if (email === "") continue; // a guardian without email cannot be reached: not linked
      if (!EMAIL.test(email) || email.length > 254) {
        errors.push({ code: "invalid_email", guardian: n, email });
      } else if (guardianName === "") errors.push({ code: "missing_guardian_name", guardian: n });
      else if (codePointLength(guardianName) > 200) {
        errors.push({ code: "too_long", column: `guardian${n}Name`, max: 200 });
      } else if (!guardians.some((g) => g.email === email.toLowerCase())) {
        guardians.push({ email: email.toLowerCase(), name: guardianName });
      }
    }
    const key = externalRef
      ? `ref:${externalRef.toLowerCase()}`
      : `name:${fold(name)}|${fold(cells.className)}`;
    const firstLine = seen.get(key);
    if (firstLine !== undefined && name !== "") errors.push({ code: "duplicate_row", firstLine });
    else if (name !== "") seen.set(key, line);
    const preview: PreviewRow = {
      line,
      pupil: name,
      className: cells.className,
      status: "error",
      errors,
      changes: [],
      guardians: [],
    };
    previews.push(preview);
    if (errors.length > 0 || !schoolClass) continue;

    const pupil = externalRef
      ? byRef.get(externalRef.toLowerCase()) ?? null
      : byNameAndClass.get(`${fold(name)}|${schoolClass.id}`) ?? null;
    const links: PlannedRow["links"] = [];
    for (const g of guardians) {
      if (pupil?.guardianEmails.includes(g.email)) {
        preview.guardians.push({ ...g, how: "linked" });
        continue;
      }
      const member = db.members.get(g.email);
      const invitation = db.invitations.get(g.email);
      if (member) links.push({ userId: member.id });
      else if (invitation) links.push({ invitationId: invitation.id });
      else {
        links.push({ inviteEmail: g.email });
        if (!toInvite.has(g.email)) toInvite.set(g.email, g.name);
      }
      preview.guardians.push({ ...g, how: member || invitation ? "link" : "invite" });
    }
    if (pupil === null) preview.status = "create";
    else {
      if (pupil.name !== name || (givenName !== null && pupil.givenName !== givenName)) {
        preview.changes.push("name");
      }
      if (!pupil.classIds.includes(schoolClass.id)) preview.changes.push("class");
      if (links.length > 0) preview.changes.push("guardians");
      preview.status = preview.changes.length > 0 ? "update" : "unchanged";
    }
    planned.push({ preview, classId: schoolClass.id, pupil, name, givenName, externalRef, links });
  }
  const counts: ImportCounts = {
    rows: previews.length,
    created: previews.filter((r) => r.status === "create").length,
    updated: previews.filter((r) => r.status === "update").length,
    unchanged: previews.filter((r) => r.status === "unchanged").length,
    errors: previews.filter((r) => r.status === "error").length,
    guardiansLinked: planned.reduce((n, r) => n + r.links.filter((l) => l.userId).length, 0),
    invitations: toInvite.size,
  };
  return { previews, planned, toInvite, counts };
}

function schoolYearOf(value: string): string {
  if (!isSchoolYear(value)) {
    throw badRequest('schoolYear: expected "YYYY-YYYY" with consecutive years, e.g. "2026-2027"');
  }
  return value;
}

/** The preview of `file` for the admin `adminId`: nothing is written. */
export async function previewClassImport(
  db: Database,
  adminId: string,
  input: { establishmentId: string; schoolYear: string; file: Uint8Array },
): Promise<ImportPreview> {
  await requireAdmin(db, adminId, input.establishmentId);
  const schoolYear = schoolYearOf(input.schoolYear);
  const parsed = parseClassList(input.file);
  const { previews, counts } = plan(
    parsed.rows,
    schoolYear,
    await snapshot(db, input.establishmentId, schoolYear, parsed.rows),
  );
  return { schoolYear, encoding: parsed.encoding, separator: parsed.separator, rows: previews, counts };
}

/**
 * Applies `file` on behalf of `actor`, an admin of the establishment: every valid row, in one
 * transaction (bad rows are skipped, as the preview showed), with one audit entry for the import and
 * one per invitation. Invitations are mailed after the commit. Returns what it did.
 */
export async function applyClassImport(
  db: Database,
  mail: MailService,
  actor: Actor,
  input: { establishmentId: string; schoolYear: string; file: Uint8Array; locale: Locale },
): Promise<ImportCounts> {
  const admin = await requireAdmin(db, actor.userId, input.establishmentId);
  const schoolYear = schoolYearOf(input.schoolYear);
  const parsed = parseClassList(input.file);
  const counts = await db.transaction(async (tx) => {
    await lockClassImports(tx, input.establishmentId);
    const result = plan(
      parsed.rows,
      schoolYear,
      await snapshot(tx, input.establishmentId, schoolYear, parsed.rows),
    );
    await applyPlan(tx, mail, admin, actor, { ...input, schoolYear }, result);
    return result.counts;
  });
  if (counts.invitations > 0) mail.wake();
  return counts;
}

async function applyPlan(
  tx: Queryable,
  mail: MailService,
  admin: User,
  actor: Actor,
  input: { establishmentId: string; schoolYear: string; locale: Locale },
  { planned, toInvite, counts }: ReturnType<typeof plan>,
): Promise<void> {
  const fresh = planned.filter((r) => r.pupil === null);
  const newIds = await insertPupils(tx, input.establishmentId, fresh);
  const pupilIds = new Map<PlannedRow, string>(fresh.map((r, i) => [r, newIds[i]!]));
  for (const r of planned) if (r.pupil) pupilIds.set(r, r.pupil.id);
  await renamePupils(
    tx,
    input.establishmentId,
    planned.filter((r) => r.preview.changes.includes("name")).map((r) => ({
      id: r.pupil!.id,
      name: r.name,
      givenName: r.givenName ?? r.pupil!.givenName,
    })),
  );
  await addPupilsToClasses(tx, planned.map((r) => ({ classId: r.classId, pupilId: pupilIds.get(r)! })));
  const invited = await inviteManyInTransaction(
    tx,
    mail,
    admin,
    actor,
    { establishmentId: input.establishmentId, role: "parent", locale: input.locale },
    [...toInvite].map(([email, name]) => ({ email, name })),
  );
  const invitationOf = new Map(invited.map((i) => [i.email.toLowerCase(), i.id]));
  await linkGuardians(
    tx,
    planned.flatMap((r) =>
      r.links.map((l) => ({
        pupilId: pupilIds.get(r)!,
        guardianId: l.userId,
        invitationId: l.invitationId ?? (l.inviteEmail ? invitationOf.get(l.inviteEmail) : undefined),
      }))
    ),
  );
  if (counts.created + counts.updated > 0) {
    await appendAudit(tx, {
      establishmentId: input.establishmentId,
      actorId: admin.id,
      actorLabel: personLabel(admin),
      action: "classes.import",
      targetType: "establishment",
      targetId: input.establishmentId,
      targetLabel: input.schoolYear,
      clientAddress: actor.clientAddress,
      details: { ...counts },
    });
  }
}
