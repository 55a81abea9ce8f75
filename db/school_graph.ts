/**
 * The school graph as the messaging rules read it: how one person stands to others through the classes
 * of the current school year (teaches them or their child, is taught by them, shares a class with them
 * as a fellow student or parent), with the label of the link ("Léa — CM2 A"). The rules themselves are
 * the pure functions of domain/permissions.ts; every query here only gathers the facts they need, and
 * the send check gathers all of them in ONE query ({@linkcode loadSendContexts}).
 *
 * Affiliations of a person with a class: `teacher` (class_teachers), `student` (their own pupil record,
 * `pupils.user_id`) or `guardian` (a guardianship of a pupil in the class). Only classes of the school
 * year given by {@linkcode currentSchoolYear} count: last year's teacher is no longer a child's teacher.
 */
import type { Queryable } from "./types.ts";
import { type Affiliation, isRole, isUuid, type Role } from "./models.ts";
import { lookupParams, lookupSource } from "./lookups.ts";
import { type BucketDecision, bucketDecision, type BucketShape, takeStatement } from "./rate_limits.ts";
import { affiliationSql } from "./pupils.ts";
import {
  type MessagingSettings,
  SETTINGS_JSON_SQL,
  settingsFromJson,
  type SettingsJson,
  STAFF_HOURS_JSON_SQL,
} from "./establishment_settings.ts";
import type { WeeklyHours } from "../util/hours.ts";

/** How a target person stands to the person looking at them (see the module documentation). */
export interface RelationFacts {
  /** The target's current role in the establishment. */
  role: Role;
  /** The viewer teaches a class the target is a student in, or a class of the target's child. */
  teaches: boolean;
  /** The target teaches the viewer's class or one of the viewer's children's classes. */
  taughtBy: boolean;
  /** Both are students of one class, or both guardians of pupils of one class. */
  sameClass: boolean;
}

/**
 * The school year a date falls in, "2026-2027": a year runs from 1 August to 31 July (classes of the
 * next year are usually created over the summer and count from August on).
 */
export function currentSchoolYear(now: Date = new Date()): string {
  const year = now.getUTCFullYear();
  const start = now.getUTCMonth() >= 7 ? year : year - 1;
  return `${start}-${start + 1}`;
}

/**
 * CTEs `mine` (the viewer's affiliations in establishment `est` and school year `year`), `theirs` (every
 * affiliation in those classes) and `links` (per person sharing a class with the viewer: the relation
 * facts and the label of the strongest link). Only the viewer's classes are read, so the cost follows
 * the viewer's classes, not the establishment's size. `est`, `year` and `viewer` are SQL expressions.
 */
function relationCtes(est: string, year: string, viewer: string, targets?: string): string {
  // With `targets` (a sub-select of user ids: a send's other participants), only their affiliations
  // are read, through the per-person indexes, instead of the viewer's whole classes.
  const only = (column: string) => targets === undefined ? "" : ` AND ${column} IN (${targets})`;
  return `
  mine AS (
    SELECT ct.teacher_id AS user_id, ct.class_id, cl.name AS class_name, NULL::text AS pupil_name,
      'teacher' AS kind
    FROM class_teachers ct JOIN classes cl ON cl.id = ct.class_id
    WHERE ct.teacher_id = ${viewer} AND cl.establishment_id IN (${est}) AND cl.school_year = ${year}
    UNION ALL
    SELECT pu.user_id, cp.class_id, cl.name, pu.name, 'student'
    FROM pupils pu JOIN class_pupils cp ON cp.pupil_id = pu.id JOIN classes cl ON cl.id = cp.class_id
    WHERE pu.user_id = ${viewer} AND cl.establishment_id IN (${est}) AND cl.school_year = ${year}
    UNION ALL
    SELECT g.guardian_id, cp.class_id, cl.name, pu.name, 'guardian'
    FROM guardianships g JOIN pupils pu ON pu.id = g.pupil_id
      JOIN class_pupils cp ON cp.pupil_id = pu.id JOIN classes cl ON cl.id = cp.class_id
    WHERE g.guardian_id = ${viewer} AND cl.establishment_id IN (${est}) AND cl.school_year = ${year}
  ),
  theirs AS (
    SELECT ct.teacher_id AS user_id, ct.class_id, NULL::text AS pupil_name, 'teacher' AS kind
    FROM class_teachers ct WHERE ct.class_id IN (SELECT class_id FROM mine)${only("ct.teacher_id")}
    UNION ALL
    SELECT pu.user_id, cp.class_id, pu.name, 'student'
    FROM class_pupils cp JOIN pupils pu ON pu.id = cp.pupil_id
    WHERE cp.class_id IN (SELECT class_id FROM mine) AND pu.user_id IS NOT NULL${only("pu.user_id")}
    UNION ALL
    SELECT g.guardian_id, cp.class_id, pu.name, 'guardian'
    FROM class_pupils cp JOIN pupils pu ON pu.id = cp.pupil_id JOIN guardianships g ON g.pupil_id = pu.id
    WHERE cp.class_id IN (SELECT class_id FROM mine) AND g.guardian_id IS NOT NULL${only("g.guardian_id")}
  ),
  links AS (
    SELECT b.user_id,
      bool_or(a.kind = 'teacher' AND b.kind <> 'teacher') AS teaches,
      bool_or(b.kind = 'teacher' AND a.kind <> 'teacher') AS taught_by,
      bool_or(a.kind = b.kind AND a.kind <> 'teacher') AS same_class,
      (array_agg(CASE WHEN a.kind = 'guardian' THEN a.pupil_name || ' — ' || a.class_name
                      WHEN b.kind = 'guardian' THEN b.pupil_name || ' — ' || a.class_name
                      ELSE a.class_name END
                 ORDER BY ((a.kind = 'teacher') <> (b.kind = 'teacher')) DESC, a.class_name, a.pupil_name))[1]
        AS label
    FROM mine a JOIN theirs b ON b.class_id = a.class_id AND b.user_id <> a.user_id
    GROUP BY b.user_id
  )`;
}

/** A member of the establishment with their relation to the viewer. */
export interface RelatedMember extends RelationFacts {
  id: string;
  name: string;
  email: string;
  /** The link that relates them, "Léa — CM2 A" or "CM2 A"; null without one. */
  group: string | null;
  /** Their classes and children (`db/pupils.ts`), with `withAffiliation`; absent when they have none. */
  affiliation?: Affiliation;
}

/** Options of {@linkcode listRelatedMembers}. */
export interface RelatedMembersQuery {
  establishmentId: string;
  viewerId: string;
  /** See {@linkcode currentSchoolYear}. */
  schoolYear: string;
  /** Folded, LIKE-escaped query words each of which must start a word of the name or email (search). */
  words?: readonly string[];
  /** Only these people (conversation creation); deactivated people are then included. */
  ids?: readonly string[];
  /** Only these roles (the roles the viewer could write to at all); default every role. */
  roles?: readonly Role[];
  /**
   * Narrowing for search (domain/permissions.ts `searchScope`): people of `unlinkedRoles`, and people of
   * `linkedRoles` who share a class with the viewer. Default: everyone.
   */
  scope?: { unlinkedRoles: readonly Role[]; linkedRoles: readonly Role[] };
  /** Page size and offset, ordered by folded name (default 500, 0). */
  limit?: number;
  offset?: number;
  /** Also read each person's affiliation (recipient search shows it). Default false. */
  withAffiliation?: boolean;
}

/**
 * Members of the establishment other than the viewer (active ones when searching), with their relation
 * facts and link label; one query, ordered by folded name. Callers decide with domain/permissions.ts.
 */
export async function listRelatedMembers(q: Queryable, opts: RelatedMembersQuery): Promise<RelatedMember[]> {
  if (!isUuid(opts.establishmentId) || !isUuid(opts.viewerId)) return [];
  const ids = opts.ids?.filter(isUuid) ?? null;
  if (ids !== null && ids.length === 0) return [];
  const roles = opts.roles ? [...new Set(opts.roles)].filter(isRole) : null;
  if (roles !== null && roles.length === 0) return [];
  const rows = await q.query<
    Omit<RelatedMember, "teaches" | "taughtBy" | "sameClass"> & {
      teaches: boolean | null;
      taught_by: boolean | null;
      same_class: boolean | null;
      affiliation?: Affiliation | null;
    }
  >(
    `WITH ${relationCtes("$1", "$3", "$2::uuid")}
     SELECT u.id, u.name, u.email, m.role, l.teaches, l.taught_by, l.same_class, l.label AS "group"${
      opts.withAffiliation ? `, ${affiliationSql("u.id", "m.establishment_id")} AS affiliation` : ""
    }
     FROM memberships m
     JOIN users u ON u.id = m.user_id
     LEFT JOIN links l ON l.user_id = m.user_id
     WHERE m.establishment_id = $1 AND m.user_id <> $2::uuid
       AND ($4::uuid[] IS NULL OR m.user_id = ANY($4::uuid[]))
       AND ($5::text[] IS NULL OR m.role = ANY($5::text[]))
       AND ($4::uuid[] IS NOT NULL OR u.deactivated_at IS NULL)
       AND ($9::text[] IS NULL OR m.role = ANY($9::text[]) OR (m.role = ANY($10::text[]) AND l.user_id IS NOT NULL))
       AND ($6::text[] IS NULL OR NOT EXISTS (
         SELECT 1 FROM unnest($6::text[]) AS q(word)
          WHERE (' ' || u.search_text) NOT LIKE '% ' || q.word || '%' ESCAPE '\\'))
     ORDER BY u.search_text, u.name, u.id
     LIMIT $7 OFFSET $8`,
    [
      opts.establishmentId,
      opts.viewerId,
      opts.schoolYear,
      ids,
      roles,
      opts.words ? [...opts.words] : null,
      Math.max(1, Math.trunc(opts.limit ?? 500)),
      Math.max(0, Math.trunc(opts.offset ?? 0)),
      opts.scope ? [...opts.scope.unlinkedRoles] : null,
      opts.scope ? [...opts.scope.linkedRoles] : null,
    ],
  );
  return rows.map(({ teaches, taught_by, same_class, affiliation, ...row }) => ({
    ...row,
    ...(affiliation ? { affiliation } : {}),
    teaches: teaches === true,
    taughtBy: taught_by === true,
    sameClass: same_class === true,
  }));
}

/** Another participant of a conversation, as the send rules and the composer see them. */
export interface ParticipantFacts extends RelationFacts {
  id: string;
  name: string;
  /** Their availability hours when they are staff (their own, else the establishment's); else null. */
  hours: WeeklyHours | null;
}

/** What a send decides from before the relations: see `sendRefusalByRoles` in domain/permissions.ts. */
export type SendHeadRow = Omit<SendContextRow, "others">;

/** A send's admission: its rate-limit decision and, for a conversation the sender can see, its head. */
export interface SendAdmission {
  decision: BucketDecision;
  head: SendHeadRow | undefined;
}

/**
 * The first step of each send, in ONE statement for many concurrent sends (`domain/messaging.ts`):
 * takes a token from the sender's bucket of `limit` (`db/rate_limits.ts`, keyed by the sender's id)
 * and reads the head of the send check: the viewer's role, language, the creator's role and the
 * settings of a conversation the viewer can see (participant and current member), else no head.
 * One indexed row whatever the conversation's size; {@linkcode loadSendContexts} adds the relations
 * to the other participants when the roles do not decide. The token is taken whatever the head
 * says (a refused send is an attempt too). One entry per lookup, in order; the lookups' senders must
 * be distinct (a statement takes from a bucket once) and every id a UUID (throws a `RangeError`).
 */
export async function admitSends(
  q: Queryable,
  lookups: readonly { viewerId: string; conversationId: string }[],
  limit: { name: string } & BucketShape,
): Promise<SendAdmission[]> {
  if (lookups.length === 0) return [];
  const wanted = lookups.map(({ viewerId, conversationId }, ord) => {
    if (!isUuid(viewerId) || !isUuid(conversationId)) {
      throw new RangeError("admitSends: sender and conversation ids must be UUIDs; check them first");
    }
    return { ord, viewer: viewerId, conversation: conversationId };
  });
  if (new Set(wanted.map((w) => w.viewer.toLowerCase())).size !== wanted.length) {
    throw new RangeError("admitSends: one sender twice; a statement takes from a bucket once");
  }
  const params = lookupParams(wanted);
  const n = params.length;
  const takes = `(SELECT $${n + 1}::text AS name, i.viewer::text AS key, $${n + 2}::float8 AS burst,
    $${n + 3}::float8 AS step FROM input i) AS req`;
  const rows = await q.query<
    Omit<SendHeadRow, "settings" | "conversationId"> & {
      ord: number;
      refused: boolean;
      retryAfter: number;
      conversationId: string | null;
      settings: SettingsJson | null;
    }
  >(
    `WITH input AS MATERIALIZED (
       SELECT * FROM ${lookupSource(wanted, "ord integer, viewer uuid, conversation uuid")}
     ), taken AS (${takeStatement(takes)})
     SELECT i.ord, t.refused, t."retryAfter", h.*
     FROM input i JOIN taken t ON t.key = i.viewer::text
     LEFT JOIN LATERAL (
       SELECT c.id AS "conversationId", c.establishment_id AS "establishmentId", m.role, u.locale,
         cm.role AS "createdByRole", ${SETTINGS_JSON_SQL} AS settings
       FROM conversations c
       JOIN participants p ON p.conversation_id = c.id AND p.user_id = i.viewer
       JOIN memberships m ON m.user_id = i.viewer AND m.establishment_id = c.establishment_id
       JOIN users u ON u.id = i.viewer
       LEFT JOIN memberships cm ON cm.user_id = c.created_by AND cm.establishment_id = c.establishment_id
       LEFT JOIN establishment_settings s ON s.establishment_id = c.establishment_id
       WHERE c.id = i.conversation
     ) h ON true`,
    [...params, limit.name, limit.burst, limit.step],
  );
  const byOrd = new Map(rows.map((row) => [row.ord, row]));
  return wanted.map(({ ord }) => {
    const row = byOrd.get(ord);
    if (row === undefined) throw new Error("admitSends: the statement answered too few rows");
    const { ord: _, refused, retryAfter, conversationId, settings, ...head } = row;
    return {
      decision: bucketDecision({ refused, retryAfter }),
      head: conversationId === null
        ? undefined
        : { ...head, conversationId, settings: settingsFromJson(settings) },
    };
  });
}

/** Everything a send decision needs about one conversation, as seen by one participant. */
export interface SendContextRow {
  conversationId: string;
  establishmentId: string;
  /** The viewer's current role in the establishment. */
  role: Role;
  /** The viewer's language, for the reason given when they may not send. */
  locale: "fr" | "en";
  /** The creator's current role there; null when the creator is no longer a member. */
  createdByRole: Role | null;
  settings: MessagingSettings;
  /** Other participants who are current members. */
  others: ParticipantFacts[];
}

/**
 * The send contexts of the viewer's conversations: of one conversation (`conversationId`: the send
 * check, ONE query for the viewer's relations to every other participant and the settings), or of all
 * their conversations in one establishment (`establishmentId`), or of a page of them
 * (`conversationIds`: the paged conversation list). Only
 * conversations the viewer can see (participant and current member) are returned.
 */
export async function loadSendContexts(
  q: Queryable,
  viewerId: string,
  scope: { conversationId: string } | { conversationIds: readonly string[] } | { establishmentId: string },
  schoolYear: string,
): Promise<SendContextRow[]> {
  if (!isUuid(viewerId)) return [];
  let id: string | string[];
  let filter: string;
  if ("conversationIds" in scope) {
    id = scope.conversationIds.filter(isUuid);
    if (id.length === 0) return [];
    filter = "c.id = ANY($2::uuid[])";
  } else if ("conversationId" in scope) {
    id = scope.conversationId;
    filter = "c.id = $2";
  } else {
    id = scope.establishmentId;
    filter = "c.establishment_id = $2";
  }
  if (typeof id === "string" && !isUuid(id)) return [];
  const rows = await q.query<Omit<SendContextRow, "settings"> & { settings: SettingsJson | null }>(
    `WITH scope AS (
       SELECT c.id, c.establishment_id, c.created_by, m.role
       FROM conversations c
       JOIN participants p ON p.conversation_id = c.id AND p.user_id = $1
       JOIN memberships m ON m.user_id = $1 AND m.establishment_id = c.establishment_id
       WHERE ${filter}
     ),${
      relationCtes(
        "SELECT establishment_id FROM scope",
        "$3",
        "$1::uuid",
        "SELECT op.user_id FROM participants op WHERE op.conversation_id IN (SELECT id FROM scope)",
      )
    }
     SELECT sc.id AS "conversationId", sc.establishment_id AS "establishmentId", sc.role,
       (SELECT locale FROM users WHERE id = $1) AS locale, cm.role AS "createdByRole",
       ${SETTINGS_JSON_SQL} AS settings,
       (SELECT coalesce(json_agg(json_build_object(
            'id', ou.id, 'name', ou.name, 'role', om.role,
            'teaches', coalesce(l.teaches, false), 'taughtBy', coalesce(l.taught_by, false),
            'sameClass', coalesce(l.same_class, false),
            'hours', CASE WHEN om.role IN ('admin', 'teacher') THEN ${STAFF_HOURS_JSON_SQL} END)
          ORDER BY ou.id), '[]'::json)
          FROM participants op
          JOIN memberships om ON om.user_id = op.user_id AND om.establishment_id = sc.establishment_id
          JOIN users ou ON ou.id = op.user_id
          LEFT JOIN links l ON l.user_id = op.user_id
          LEFT JOIN staff_hours sh ON sh.establishment_id = sc.establishment_id AND sh.user_id = op.user_id
         WHERE op.conversation_id = sc.id AND op.user_id <> $1) AS others
     FROM scope sc
     LEFT JOIN memberships cm ON cm.user_id = sc.created_by AND cm.establishment_id = sc.establishment_id
     LEFT JOIN establishment_settings s ON s.establishment_id = sc.establishment_id`,
    [viewerId, id, schoolYear],
  );
  return rows.map((row) => ({ ...row, settings: settingsFromJson(row.settings) }));
}
