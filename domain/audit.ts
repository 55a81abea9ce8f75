/**
 * Reading the audit log (`db/audit.ts`), for the establishment's admins only (`requireAdmin`): pages of
 * entries, newest first, filtered by action and by a name or address of the actor or the target, and the
 * same selection as CSV. Writing happens inside each action's own transaction (`domain/admin.ts`,
 * `domain/setup.ts`).
 */
import type { Database } from "../db/types.ts";
import { type AuditEntry, type AuditQuery, listAudit } from "../db/audit.ts";
import { requireAdmin } from "./admin.ts";

/** The actions the log can hold, for the filter (others are shown as they are stored). */
export const AUDIT_ACTIONS = [
  "establishment.setup",
  "person.deactivate",
  "person.reactivate",
  "invitation.create",
  "invitation.resend",
  "invitation.revoke",
  "invitation.accept",
  "establishment.create",
  "person.add_admin",
  "person.reset_link",
  "membership.role",
  "membership.remove",
  "class.create",
  "class.rename",
  "class.delete",
  "class.add_pupil",
  "class.remove_pupil",
  "class.assign_teacher",
  "class.unassign_teacher",
  "guardian.link",
  "guardian.unlink",
  "pupil.account",
  "pupil.delete",
  "classes.import",
] as const;

/** Entries per page of `/[locale]/admin/audit`. */
export const AUDIT_PAGE = 50;
/** Most entries one CSV export holds (the newest ones). */
export const AUDIT_EXPORT_MAX = 50_000;

/** One page for the admin `adminId`; `hasMore` when older entries exist. */
export async function auditPage(
  db: Database,
  adminId: string,
  query: Omit<AuditQuery, "limit">,
): Promise<{ entries: AuditEntry[]; hasMore: boolean }> {
  await requireAdmin(db, adminId, query.establishmentId);
  const rows = await listAudit(db, { ...query, limit: AUDIT_PAGE + 1 });
  return { entries: rows.slice(0, AUDIT_PAGE), hasMore: rows.length > AUDIT_PAGE };
}

/** Every matching entry (up to {@linkcode AUDIT_EXPORT_MAX}), newest first, as CSV (RFC 4180, UTF-8 with BOM). */
export async function auditCsv(
  db: Database,
  adminId: string,
  query: Omit<AuditQuery, "limit" | "beforeId">,
): Promise<string> {
  await requireAdmin(db, adminId, query.establishmentId);
  const lines = [["time", "actor", "action", "target", "address", "details"].join(",")];
  let beforeId: number | undefined;
  let total = 0;
  while (total < AUDIT_EXPORT_MAX) {
    const rows = await listAudit(db, { ...query, beforeId, limit: 1000 });
    for (const e of rows) {
      lines.push(
        [
          e.at.toISOString(),
          e.actorLabel,
          e.action,
          e.targetLabel ?? "",
          e.clientAddress ?? "",
          Object.keys(e.details).length > 0 ? JSON.stringify(e.details) : "",
        ].map(csvCell).join(","),
      );
    }
    total += rows.length;
    if (rows.length < 1000) break;
    beforeId = rows[rows.length - 1]!.id;
  }
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/**
 * One CSV cell: quoted when needed, and a leading `=`, `+`, `-`, `@`, tab or CR neutralised with a quote
 * mark, so a spreadsheet opening the export never runs a name as a formula.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
