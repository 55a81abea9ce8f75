/**
 * The shape of what clients send over REST: bodies and query strings (WebSocket frames are in
 * `protocol/client_frames.ts`; both go through {@linkcode parseInput}).
 * Handlers call {@linkcode parseInput} first, so business code only ever sees typed, bounded
 * values, and a malformed request gets `400 bad_request` with a message that names the field
 * ("participantIds: expected an array of ids") instead of a crash deeper down.
 *
 * Every string field starts with `storableString` (`protocol/text.ts`: no NUL, no lone surrogate,
 * which PostgreSQL cannot take), so no text reaches the database unchecked; `schemas_test.ts` walks
 * every exported schema, here and in `protocol/client_frames.ts`, and fails for a bare `v.string()`.
 *
 * Unknown fields are ignored (the contract only ever grows by adding fields). Text rules that
 * depend on Unicode (message body, title) live in `text.ts` and are applied by the services.
 */

import * as v from "valibot";
import { clientIdSchema as id, clientSeq as seq, MAX_SEQ, sendClientId } from "../protocol/client_frames.ts";
import { storableString as text } from "../protocol/text.ts";
import { badRequest } from "./errors.ts";
/** Page size bounds of message listings. */
export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;
/** Most people one conversation can be created with (a class's families fit comfortably). */
export const MAX_PARTICIPANTS = 200;

/** A whole number written in a query string. */
const seqParam = v.pipe(
  text("expected a whole number"),
  v.regex(/^\d{1,10}$/, "expected a whole number"),
  v.transform(Number),
  v.maxValue(MAX_SEQ, `expected at most ${MAX_SEQ}`),
);

/** `POST /api/auth/login`. */
export const loginBody = v.object({
  email: v.pipe(
    text(),
    v.trim(),
    v.nonEmpty("enter your email address"),
    v.maxLength(254, "an email address has at most 254 characters"),
  ),
  password: v.pipe(
    text(),
    v.nonEmpty("enter your password"),
    v.maxLength(1024, "at most 1024 characters"),
  ),
});

/** Shortest password accepted when one is chosen (setup, reset, invitation). */
export const MIN_PASSWORD_LENGTH = 12;

/** A password being chosen: 12 to 1024 characters. */
const newPassword = v.pipe(
  text(),
  v.minLength(MIN_PASSWORD_LENGTH, `choose a password of at least ${MIN_PASSWORD_LENGTH} characters`),
  v.maxLength(1024, "at most 1024 characters"),
);

/** An email address being given to an account. */
const accountEmail = v.pipe(
  text(),
  v.trim(),
  v.nonEmpty("enter an email address"),
  v.maxLength(254, "an email address has at most 254 characters"),
  v.regex(/^[^\s@]+@[^\s@]+$/, "expected an email address such as name@school.example"),
);

/** A person's or an establishment's name. */
const displayName = v.pipe(
  text(),
  v.trim(),
  v.nonEmpty("enter a name"),
  v.maxLength(200, "at most 200 characters"),
);

/** The token of a single-use link, as pasted from it (its shape is checked by the service). */
const linkToken = (hint: string) =>
  v.pipe(text(), v.nonEmpty(hint), v.maxLength(200, "at most 200 characters"));

/** `POST /api/setup` (first run; `locale` is the admin's language, default French). */
export const setupBody = v.object({
  token: linkToken("open the setup link Préau printed at start"),
  establishmentName: displayName,
  adminName: displayName,
  adminEmail: accountEmail,
  password: newPassword,
  locale: v.optional(v.picklist(["fr", "en"], 'expected "fr" or "en"'), "fr"),
});

/** `POST /api/auth/password-reset`. */
export const resetRequestBody = v.object({ email: accountEmail });

/** `POST /api/auth/password-reset/complete`. */
export const resetCompleteBody = v.object({
  token: linkToken("open the link from the mail"),
  password: newPassword,
});

/** `POST /api/admin/people/:userId/role`. */
export const changeRoleBody = v.object({
  establishmentId: id,
  role: v.picklist(
    ["admin", "teacher", "parent", "student"],
    'expected "admin", "teacher", "parent" or "student"',
  ),
});

/** `POST /api/admin/invitations`: `locale` is the language of the mail and of the new account. */
export const inviteBody = v.object({
  establishmentId: id,
  email: accountEmail,
  name: displayName,
  role: v.picklist(
    ["admin", "teacher", "parent", "student"],
    'expected "admin", "teacher", "parent" or "student"',
  ),
  locale: v.optional(v.picklist(["fr", "en"], 'expected "fr" or "en"'), "fr"),
});

/** `POST /api/invitations/accept`: `password` only for someone without an account yet. */
export const acceptInvitationBody = v.object({
  token: linkToken("open the link from the invitation mail"),
  password: v.optional(newPassword),
  locale: v.optional(v.picklist(["fr", "en"], 'expected "fr" or "en"')),
});

/** The `:id` of `/api/admin/invitations/:id/…`: any shape; one that names no invitation answers `404`. */
export const invitationPath = v.object({ id: text("expected an invitation id") });

/** `GET /api/admin/invitations?establishmentId=`. */
export const establishmentQuery = v.object({ establishmentId: id });

/** `POST /api/admin/people/:userId/deactivate|reactivate`. */
export const adminEstablishmentBody = v.object({ establishmentId: id });

/** The `:userId` of `/api/admin/people/:userId/…`: any shape; one that names no member answers `404`. */
export const personPath = v.object({ userId: text("expected a person id") });

/** `POST /api/conversations`. The caller may or may not list themselves in `participantIds`. */
export const createConversationBody = v.object({
  establishmentId: id,
  participantIds: v.pipe(
    v.array(id, "expected an array of ids"),
    v.minLength(1, "add at least one person to write to"),
    v.maxLength(MAX_PARTICIPANTS, `at most ${MAX_PARTICIPANTS} people per conversation`),
  ),
  title: v.optional(v.nullable(text("expected a string or null"))),
});

/** `POST /api/conversations/:id/read`. */
export const readBody = v.object({ seq });

/** `POST /api/conversations/:id/messages`: the `send` frame's fields, without a socket. */
export const sendBody = v.object({ clientId: sendClientId, body: text() });

/**
 * The `:id` of `/api/conversations/:id/…`. Not required to be a UUID: an id that names no
 * conversation of the caller's answers `404`, whatever its shape (no existence oracle).
 */
export const conversationPath = v.object({ id: text("expected a conversation id") });

/** `GET /api/conversations?establishmentId=`. */
export const conversationsQuery = v.object({ establishmentId: id });

/** A page size in a query string: 1–100. */
const pageLimit = v.pipe(
  text("expected a whole number"),
  v.regex(/^\d{1,3}$/, `expected a whole number from 1 to ${MAX_PAGE}`),
  v.transform(Number),
  v.minValue(1, `expected a whole number from 1 to ${MAX_PAGE}`),
  v.maxValue(MAX_PAGE, `expected a whole number from 1 to ${MAX_PAGE}`),
);

/**
 * `GET /api/conversations?establishmentIds=A,B&limit=N&cursor=C`: one page of the list over
 * several establishments (the inbox of one portal), `next` of the previous page as `cursor`.
 */
export const conversationPageQuery = v.object({
  establishmentIds: v.pipe(
    text("expected establishment ids separated by commas"),
    v.transform((s) => s.split(",").map((part) => part.trim()).filter((part) => part !== "")),
    v.array(id, "expected establishment ids separated by commas"),
    v.minLength(1, "expected at least one establishment id"),
    v.maxLength(50, "at most 50 establishments"),
  ),
  limit: v.optional(pageLimit, "20"),
  cursor: v.optional(v.pipe(text(), v.maxLength(200, "expected the next of a previous page"))),
});

/** `GET /api/conversations/:id/messages?after=|before=&limit=` (query strings are text). */
export const messagesQuery = v.pipe(
  v.object({
    after: v.optional(seqParam),
    before: v.optional(seqParam),
    limit: v.optional(pageLimit, String(DEFAULT_PAGE)),
  }),
  v.check(
    (query) => query.after === undefined || query.before === undefined,
    "after, before: give one of them, not both (after = newer messages, before = older ones)",
  ),
);

/** `GET /api/recipients?establishmentId=&q=`. An empty `q` lists everyone the caller may write to. */
export const recipientsQuery = v.object({
  establishmentId: id,
  q: v.optional(v.pipe(text(), v.maxLength(100, "at most 100 characters")), ""),
});

export type LoginBody = v.InferOutput<typeof loginBody>;
export type SetupBody = v.InferOutput<typeof setupBody>;
export type CreateConversationBody = v.InferOutput<typeof createConversationBody>;
export type ReadBody = v.InferOutput<typeof readBody>;
export type ConversationPath = v.InferOutput<typeof conversationPath>;
export type ConversationsQuery = v.InferOutput<typeof conversationsQuery>;
export type ConversationPageQuery = v.InferOutput<typeof conversationPageQuery>;
export type MessagesQuery = v.InferOutput<typeof messagesQuery>;
export type RecipientsQuery = v.InferOutput<typeof recipientsQuery>;

/**
 * Parses `value` (always a JSON object) with `schema` and returns the typed result, or throws `bad_request` whose
 * message starts with the offending field's path (`label` when the whole value is wrong, e.g.
 * "body: expected a JSON object"). Only the first problem is reported: fixing fields one by one
 * is easier to follow than a list.
 */
export function parseInput<const TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  label = "body",
): v.InferOutput<TSchema> {
  // Every body, query and frame is a JSON object; arrays would otherwise slip into `variant`.
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest(`${label}: expected a JSON object`);
  }
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  if (path === null) {
    if (issue.kind === "schema") throw badRequest(`${label}: expected a JSON object`);
    throw badRequest(issue.message); // whole-object checks name their fields themselves
  }
  if (issue.type === "object" && issue.received === "undefined") throw badRequest(`${path}: required`);
  throw badRequest(`${path}: ${issue.message}`);
}
