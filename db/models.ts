/**
 * The shapes the db/ functions return, shared with domain/, realtime/ and routes. Plain data only:
 * ids are uuid strings, times are `Date`, seqs are numbers.
 */

/** A role inside one establishment. */
export type Role = "admin" | "teacher" | "parent" | "student";

/** Every role, in the order the UI lists them. */
export const ROLES: readonly Role[] = Object.freeze(["admin", "teacher", "parent", "student"]);

/** True when `value` is one of {@linkcode ROLES}. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** A school (or any establishment) people belong to. */
export interface Establishment {
  id: string;
  name: string;
  slug: string;
}

/** A person, without secrets. */
export interface User {
  id: string;
  name: string;
  email: string;
  locale: "fr" | "en";
}

/** One of a person's establishments and the role they hold there. */
export interface Membership {
  establishmentId: string;
  establishmentName: string;
  role: Role;
}

/** A conversation participant as listed to the other participants (current members only). */
export interface Participant {
  id: string;
  name: string;
  role: Role;
  /** How far they have read (read receipts). */
  readSeq?: number;
  /** When their read marker last moved forward (ISO time as JSON aggregates it), if ever. */
  readAt?: string | null;
  /** Present (true) only for a deactivated account: shown as such; their messages stay. */
  deactivated?: true;
  /** Their classes and children in the conversation's establishment (null or absent: none). */
  affiliation?: Affiliation | null;
}

/**
 * Where a person stands in one establishment's structure, for labels such as "parent de Léa, CM2 A"
 * (`db/pupils.ts` computes it, `i18n/affiliation.ts` words it): the classes they teach or are a pupil
 * of, and the children they are a guardian of, each with their classes — all of the establishment's
 * newest school year. Absent keys mean none.
 */
export interface Affiliation {
  classes?: { name: string; subject?: string }[];
  children?: { name: string; classes: string[] }[];
}

/** A stored message. `seq` starts at 1 in each conversation and has no gaps. */
export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  senderName: string;
  body: string;
  createdAt: Date;
  /**
   * The sender's idempotency key (`send.clientId`). Only ever shown to the sender (their client
   * merges its pending copy with it); every wire builder drops it for anyone else.
   */
  clientId?: string;
}

/** A conversation as one participant sees it in their list. `unread` = max(0, lastSeq − readSeq). */
export interface ConversationSummary {
  id: string;
  establishmentId: string;
  title: string | null;
  participants: Participant[];
  lastMessage: Message | null;
  lastSeq: number;
  readSeq: number;
  unread: number;
  updatedAt: Date;
}

/** The per-conversation counters of the WebSocket `hello` frame. */
export interface ConversationState {
  id: string;
  establishmentId: string;
  lastSeq: number;
  readSeq: number;
  unread: number;
}

/** A server-side session row (its id is the JWT `jti`). */
export interface SessionRow {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `value` is a uuid string. Lookups by id answer "not found" for anything else instead of
 * letting PostgreSQL fail with "invalid input syntax for type uuid" on ids taken from URLs or frames.
 */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** Clamps `n` into the PostgreSQL `integer` range (truncating fractions), so no seq parameter overflows. */
export function toInt32(n: number): number {
  if (Number.isNaN(n)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(n)));
}
