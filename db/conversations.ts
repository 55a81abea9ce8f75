/**
 * Conversations and who may see them. Access is always "participant AND current member of the
 * conversation's establishment": removing a membership hides that establishment's conversations at once,
 * while the participant rows stay so history survives a later re-admission.
 */
import type { Database, Queryable } from "./types.ts";
import type { ConversationState, ConversationSummary, Message, Participant, Role } from "./models.ts";
import { isUuid } from "./models.ts";
import { affiliationSql } from "./pupils.ts";

/** Row shape of {@linkcode SUMMARY_SQL}: the conversation, the viewer's marker and the newest message. */
interface SummaryRow {
  id: string;
  establishmentId: string;
  title: string | null;
  lastSeq: number;
  readSeq: number;
  updatedAt: Date;
  participants: (Omit<Participant, "deactivated"> & { deactivated: boolean })[];
  lmId: string | null;
  lmSenderId: string;
  lmSenderName: string;
  lmBody: string;
  lmCreatedAt: Date;
  /** `updated_at` exactly, for a page cursor (see {@linkcode ConversationCursor}). */
  cursorAt: string;
}

/**
 * `c` is in an establishment where `$1` is a current member. The member's establishments are read
 * once per statement (`ARRAY(subquery)` is an InitPlan the planner cannot flatten into the join), so
 * a person with 1,000 conversations costs one membership read, not one per conversation; with
 * `within`, only those of the establishments in that JSON array parameter.
 */
function memberOfEstablishment(within?: string): string {
  const restrict = within === undefined
    ? ""
    : ` AND establishment_id IN (SELECT value::uuid FROM json_array_elements_text(${within}::json))`;
  return `c.establishment_id = ANY (ARRAY(SELECT establishment_id FROM memberships WHERE user_id = $1${restrict}))`;
}

/** Summaries of the conversations `$1` can see; callers append a filter on `c` and the ordering. */
const SUMMARY_SQL = `
  SELECT c.id, c.establishment_id AS "establishmentId", c.title, c.last_seq AS "lastSeq",
    p.read_seq AS "readSeq", c.updated_at AS "updatedAt",
    to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt",
    (SELECT coalesce(json_agg(json_build_object('id', u.id, 'name', u.name, 'role', pm.role,
                                'readSeq', pp.read_seq, 'readAt', pp.read_at,
                                'deactivated', u.deactivated_at IS NOT NULL,
                                'affiliation', ${affiliationSql("u.id", "c.establishment_id")})
                              ORDER BY u.search_text, u.id), '[]'::json)
       FROM participants pp
       JOIN users u ON u.id = pp.user_id
       JOIN memberships pm ON pm.user_id = pp.user_id AND pm.establishment_id = c.establishment_id
      WHERE pp.conversation_id = c.id) AS participants,
    lm.id AS "lmId", lm.sender_id AS "lmSenderId", lu.name AS "lmSenderName", lm.body AS "lmBody",
    lm.created_at AS "lmCreatedAt"
  FROM participants p
  JOIN conversations c ON c.id = p.conversation_id
  LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq
  LEFT JOIN users lu ON lu.id = lm.sender_id
  WHERE p.user_id = $1 AND ${memberOfEstablishment()}`;

function toSummary(row: SummaryRow): ConversationSummary {
  const lastMessage: Message | null = row.lmId === null ? null : {
    id: row.lmId,
    conversationId: row.id,
    seq: row.lastSeq,
    senderId: row.lmSenderId,
    senderName: row.lmSenderName,
    body: row.lmBody,
    createdAt: row.lmCreatedAt,
  };
  return {
    id: row.id,
    establishmentId: row.establishmentId,
    title: row.title,
    // Only deactivated accounts carry `deactivated`, and only people with classes or children an
    // affiliation (both fields are additive).
    participants: row.participants.map(({ affiliation, deactivated, ...p }) => ({
      ...p,
      ...(deactivated ? { deactivated: true as const } : {}),
      ...(affiliation ? { affiliation } : {}),
    })),
    lastMessage,
    lastSeq: row.lastSeq,
    readSeq: row.readSeq,
    unread: Math.max(0, row.lastSeq - row.readSeq),
    updatedAt: row.updatedAt,
  };
}

/**
 * The user's conversations in one establishment, most recent activity first; empty unless the user is a
 * current member there. Participants list current members only, each with their current role.
 */
export async function listConversations(
  q: Queryable,
  userId: string,
  establishmentId: string,
): Promise<ConversationSummary[]> {
  if (!isUuid(userId) || !isUuid(establishmentId)) return [];
  const rows = await q.query<SummaryRow>(
    `${SUMMARY_SQL} AND c.establishment_id = $2 ORDER BY c.updated_at DESC, c.id`,
    [userId, establishmentId],
  );
  return rows.map(toSummary);
}

/** Where a page of the conversation list ends: the last row's exact `updated_at` (microseconds) and id. */
export interface ConversationCursor {
  /** `updated_at` as PostgreSQL prints it in UTC with microseconds (a `Date` would drop them). */
  updatedAt: string;
  id: string;
}

/** A page of {@linkcode listConversationPage}; `next` is absent on the last page. */
export interface ConversationPage {
  conversations: ConversationSummary[];
  next?: ConversationCursor;
}

/**
 * One page of the user's conversations in `establishmentIds`, most recent activity first (ties by
 * id), after `cursor` (keyset pagination on `(updated_at, id)`: a conversation that moves to the
 * top while someone pages is found by the live updates, never listed twice by the pages). The page
 * is picked first and only its rows are summarised, so a page costs the same with 10 or 10,000
 * conversations in the list.
 */
export async function listConversationPage(
  q: Queryable,
  userId: string,
  establishmentIds: readonly string[],
  options: { limit: number; cursor?: ConversationCursor },
): Promise<ConversationPage> {
  const establishments = establishmentIds.filter(isUuid);
  if (!isUuid(userId) || establishments.length === 0) return { conversations: [] };
  const { limit, cursor } = options;
  // The cursor's time travels as text (`$3::text::timestamptz`): postgres.js would turn a
  // timestamptz parameter into a Date first, dropping its microseconds.
  if (cursor !== undefined && !isUuid(cursor.id)) return { conversations: [] };
  const rows = await q.query<SummaryRow>(
    `WITH page AS (
       SELECT c.id, c.updated_at
       FROM participants p
       JOIN conversations c ON c.id = p.conversation_id
       WHERE p.user_id = $1 AND ${memberOfEstablishment("$2")}
         AND ($3::text IS NULL OR c.updated_at < $3::text::timestamptz
              OR (c.updated_at = $3::text::timestamptz AND c.id > $4::uuid))
       ORDER BY c.updated_at DESC, c.id
       LIMIT $5
     )
     ${SUMMARY_SQL}
       AND c.id IN (SELECT id FROM page)
     ORDER BY c.updated_at DESC, c.id`,
    [userId, JSON.stringify(establishments), cursor?.updatedAt ?? null, cursor?.id ?? null, limit + 1],
  );
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown.at(-1);
  return {
    conversations: shown.map(toSummary),
    ...(more && last ? { next: { updatedAt: last.cursorAt, id: last.id } } : {}),
  };
}

/**
 * Unread messages of the user per establishment, over every conversation they can see, summed in
 * the database (the messagerie page's badges, without reading every conversation's row).
 */
export async function countUnreadByEstablishment(q: Queryable, userId: string): Promise<Map<string, number>> {
  if (!isUuid(userId)) return new Map();
  const rows = await q.query<{ establishmentId: string; unread: number }>(
    `SELECT c.establishment_id AS "establishmentId", sum(greatest(0, c.last_seq - p.read_seq))::int AS unread
     FROM participants p
     JOIN conversations c ON c.id = p.conversation_id
     WHERE p.user_id = $1 AND ${memberOfEstablishment()}
     GROUP BY c.establishment_id`,
    [userId],
  );
  return new Map(rows.map((r) => [r.establishmentId, r.unread]));
}

/** One conversation as the user sees it; null unless they are a participant and a current member. */
export async function getConversationSummary(
  q: Queryable,
  conversationId: string,
  userId: string,
): Promise<ConversationSummary | null> {
  if (!isUuid(userId) || !isUuid(conversationId)) return null;
  const rows = await q.query<SummaryRow>(`${SUMMARY_SQL} AND c.id = $2`, [userId, conversationId]);
  return rows[0] ? toSummary(rows[0]) : null;
}

/** What the permission rules need about a user in a conversation (see domain/permissions.ts). */
export interface ConversationAccess {
  establishmentId: string;
  /** The user's current role in the conversation's establishment. */
  role: Role;
  /** The creator's current role there; null when the creator is no longer a member. */
  createdByRole: Role | null;
  /** Current roles of the other participants who are still members (one entry per participant). */
  otherRoles: Role[];
}

/** The user's access to the conversation; null unless they are a participant and a current member. */
export async function getAccess(
  q: Queryable,
  conversationId: string,
  userId: string,
): Promise<ConversationAccess | null> {
  if (!isUuid(userId) || !isUuid(conversationId)) return null;
  const rows = await q.query<ConversationAccess>(
    `SELECT c.establishment_id AS "establishmentId", m.role, cm.role AS "createdByRole",
       (SELECT coalesce(json_agg(om.role), '[]'::json)
          FROM participants op
          JOIN memberships om ON om.user_id = op.user_id AND om.establishment_id = c.establishment_id
         WHERE op.conversation_id = c.id AND op.user_id <> $2) AS "otherRoles"
     FROM conversations c
     JOIN participants p ON p.conversation_id = c.id AND p.user_id = $2
     JOIN memberships m ON m.user_id = $2 AND m.establishment_id = c.establishment_id
     LEFT JOIN memberships cm ON cm.user_id = c.created_by AND cm.establishment_id = c.establishment_id
     WHERE c.id = $1`,
    [conversationId, userId],
  );
  return rows[0] ?? null;
}

/**
 * Ids of the participants who are current members of the conversation's establishment: the people a new
 * message or read marker is delivered to.
 */
export async function listParticipantIds(q: Queryable, conversationId: string): Promise<string[]> {
  if (!isUuid(conversationId)) return [];
  const rows = await q.query<{ user_id: string }>(
    `SELECT p.user_id FROM participants p
     JOIN conversations c ON c.id = p.conversation_id
     JOIN memberships m ON m.user_id = p.user_id AND m.establishment_id = c.establishment_id
     WHERE p.conversation_id = $1 ORDER BY p.user_id`,
    [conversationId],
  );
  return rows.map((r) => r.user_id);
}

/** The direct-conversation key of a pair: order-independent, scoped to the establishment. */
export function directKey(establishmentId: string, a: string, b: string): string {
  return [establishmentId, ...[a, b].map((id) => id.toLowerCase()).sort()].join(":");
}

/** The two-person conversation of `a` and `b` in the establishment, or null. */
export async function findDirectConversation(
  q: Queryable,
  establishmentId: string,
  a: string,
  b: string,
): Promise<string | null> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM conversations WHERE direct_key = $1`,
    [directKey(establishmentId, a, b)],
  );
  return rows[0]?.id ?? null;
}

/** What {@linkcode createConversation} stores; `participantIds` may include the creator (added if not). */
export interface CreateConversationInput {
  establishmentId: string;
  createdBy: string;
  participantIds: string[];
  title?: string | null;
}

/**
 * Creates a conversation inside an open transaction. Two distinct people make a direct conversation:
 * when that pair already has one in the establishment (even one committed by a concurrent transaction a
 * moment ago), its id is returned with created=false. A blank title is stored as null. Throws when
 * fewer than two distinct people would take part. Membership and permissions are the caller's job.
 */
export async function createConversationInTransaction(
  tx: Queryable,
  input: CreateConversationInput,
): Promise<{ id: string; created: boolean }> {
  const people = [...new Set([input.createdBy, ...input.participantIds].map((id) => id.toLowerCase()))];
  if (people.length < 2) {
    throw new Error("a conversation needs at least one participant besides its creator");
  }
  const key = people.length === 2 ? directKey(input.establishmentId, people[0]!, people[1]!) : null;
  const title = input.title?.trim() ? input.title.trim() : null;
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO conversations (establishment_id, title, created_by, direct_key) VALUES ($1, $2, $3, $4)
     ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
    [input.establishmentId, title, input.createdBy, key],
  );
  const id = inserted[0]?.id;
  if (id === undefined) {
    const existing = await tx.query<{ id: string }>(`SELECT id FROM conversations WHERE direct_key = $1`, [
      key,
    ]);
    if (!existing[0]) throw new Error("a direct conversation vanished while being created; try again");
    return { id: existing[0].id, created: false };
  }
  const placeholders = people.map((_, i) => `($1, $${i + 2})`).join(", ");
  await tx.query(`INSERT INTO participants (conversation_id, user_id) VALUES ${placeholders}`, [
    id,
    ...people,
  ]);
  return { id, created: true };
}

/**
 * Creates a conversation in its own transaction (see {@linkcode createConversationInTransaction}).
 * Concurrent creations of the same two-person conversation all return one id, never an error.
 */
export async function createConversation(
  db: Database,
  input: CreateConversationInput,
): Promise<{ id: string; created: boolean }> {
  return await db.transaction((tx) => createConversationInTransaction(tx, input));
}

/**
 * Seq counters of every conversation the user can see, across all establishments they currently belong
 * to (the WebSocket `hello` frame).
 */
export async function listConversationStates(q: Queryable, userId: string): Promise<ConversationState[]> {
  if (!isUuid(userId)) return [];
  const rows = await q.query<Omit<ConversationState, "unread">>(
    `SELECT c.id, c.establishment_id AS "establishmentId", c.last_seq AS "lastSeq", p.read_seq AS "readSeq"
     FROM participants p
     JOIN conversations c ON c.id = p.conversation_id
     WHERE p.user_id = $1 AND ${memberOfEstablishment()}
     ORDER BY c.updated_at DESC, c.id`,
    [userId],
  );
  return rows.map((r) => ({ ...r, unread: Math.max(0, r.lastSeq - r.readSeq) }));
}
