/**
 * The audit log (`audit_log`, append-only: the table refuses UPDATE and DELETE). Entries are written
 * in the transaction of the action they record, so an action and its entry commit together.
 */
import type { Queryable } from "./types.ts";
import { isUuid } from "./models.ts";

/** What is recorded about one action. */
export interface AuditInput {
  /** Null for operator commands and first-run setup. */
  establishmentId: string | null;
  /** Null for an operator command. */
  actorId: string | null;
  /** The actor as shown (name and email, or "operator (deno task admin)"). */
  actorLabel: string;
  /** Dotted verb, e.g. `person.deactivate`. */
  action: string;
  targetType?: "person" | "establishment" | "membership" | "class" | "pupil" | null;
  targetId?: string | null;
  targetLabel?: string | null;
  clientAddress?: string | null;
  details?: Record<string, unknown>;
}

/** One stored entry. */
export interface AuditEntry extends Required<Omit<AuditInput, "details">> {
  id: number;
  at: Date;
  details: Record<string, unknown>;
}

/** Appends one entry. */
export async function appendAudit(q: Queryable, entry: AuditInput): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (establishment_id, actor_id, actor_label, action, target_type, target_id,
       target_label, client_address, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
    [
      entry.establishmentId,
      entry.actorId,
      entry.actorLabel.slice(0, 300),
      entry.action,
      entry.targetType ?? null,
      entry.targetId ?? null,
      entry.targetLabel?.slice(0, 300) ?? null,
      entry.clientAddress?.slice(0, 100) ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  );
}

/** Appends many entries in one statement (an import's invitations), in order. */
export async function appendAuditMany(q: Queryable, entries: readonly AuditInput[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({
    establishment_id: e.establishmentId,
    actor_id: e.actorId,
    actor_label: e.actorLabel.slice(0, 300),
    action: e.action,
    target_type: e.targetType ?? null,
    target_id: e.targetId ?? null,
    target_label: e.targetLabel?.slice(0, 300) ?? null,
    client_address: e.clientAddress?.slice(0, 100) ?? null,
    details: e.details ?? {},
  }));
  await q.query(
    `INSERT INTO audit_log (establishment_id, actor_id, actor_label, action, target_type, target_id,
       target_label, client_address, details)
     SELECT r.establishment_id, r.actor_id, r.actor_label, r.action, r.target_type, r.target_id,
       r.target_label, r.client_address, r.details
     FROM jsonb_to_recordset($1::jsonb) AS r(establishment_id uuid, actor_id uuid, actor_label text,
       action text, target_type text, target_id text, target_label text, client_address text, details jsonb)`,
    [JSON.stringify(rows)],
  );
}

/** Filters of {@linkcode listAudit}. */
export interface AuditQuery {
  establishmentId: string;
  /** Only this action (exact). */
  action?: string;
  /** Only entries whose actor or target label contains this text (case-insensitive). */
  who?: string;
  /** Keyset paging: entries older than this id. */
  beforeId?: number;
  /** Page size, 1–1000 (default 50). */
  limit?: number;
}

const COLUMNS = `id::int AS id, at, establishment_id AS "establishmentId", actor_id AS "actorId",
  actor_label AS "actorLabel", action, target_type AS "targetType", target_id AS "targetId",
  target_label AS "targetLabel", client_address AS "clientAddress", details`;

/** The establishment's entries, newest first, filtered and paged by id. */
export async function listAudit(q: Queryable, query: AuditQuery): Promise<AuditEntry[]> {
  if (!isUuid(query.establishmentId)) return [];
  const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? 50)), 1000);
  const who = query.who ? `%${query.who.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return await q.query<AuditEntry>(
    `SELECT ${COLUMNS} FROM audit_log
     WHERE establishment_id = $1
       AND ($2::text IS NULL OR action = $2)
       AND ($3::text IS NULL OR lower(actor_label) LIKE $3 ESCAPE '\\' OR lower(coalesce(target_label, '')) LIKE $3 ESCAPE '\\')
       AND ($4::bigint IS NULL OR id < $4)
     ORDER BY id DESC
     LIMIT $5`,
    [query.establishmentId, query.action ?? null, who, query.beforeId ?? null, limit],
  );
}
