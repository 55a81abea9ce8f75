/**
 * The messaging rules every entry point (REST handlers, the WebSocket hub) goes through: who sees
 * which conversation, who may start one with whom, who may send where.
 *
 * Error decisions, so that answers never reveal what a caller may not see:
 * - an establishment the caller has no membership in → `not_found`, exactly like one that does not
 *   exist (never `forbidden`, which would confirm it exists);
 * - a conversation the caller does not take part in, or whose establishment they have left →
 *   `not_found`, exactly like a missing one;
 * - inside an establishment the caller belongs to, a rule of the permission matrix that refuses
 *   the action → `forbidden` with the reason (the caller can already see those people, so naming
 *   the rule reveals nothing). A participant id that is not a member there is also `forbidden`,
 *   whether the id exists elsewhere or not, so it cannot be used to probe other schools.
 */

import type { Database } from "../db/types.ts";
import {
  type ConversationState,
  type ConversationSummary,
  isUuid,
  type Message,
  type Role,
} from "../db/models.ts";
import { getRole, getUser } from "../db/users.ts";
import {
  type ConversationCursor,
  countUnreadByEstablishment,
  createConversation as insertConversation,
  getAccess,
  getConversationSummary,
  listConversationPage as selectConversationPage,
  listConversations as selectConversations,
  listConversationStates,
} from "../db/conversations.ts";
import {
  type AppendMessageInput,
  appendMessages,
  type AppendOutcome,
  listMessagesAfter,
  listMessagesBefore,
  markRead as storeReadMarker,
} from "../db/messages.ts";
import { type Recipient, searchRecipients as selectRecipients } from "../db/recipients.ts";
import {
  admitSends,
  currentSchoolYear,
  listRelatedMembers,
  loadSendContexts,
  type SendAdmission,
  type SendContextRow,
} from "../db/school_graph.ts";
import { getMessagingSettings } from "../db/establishment_settings.ts";
import { badRequest, forbidden, notFound, rateLimited } from "./errors.ts";
import { describeWait, type LimitRule, LIMITS } from "./limits.ts";
import { bucketShape } from "../db/rate_limits.ts";
import type { DomainEvents } from "./events.ts";
import {
  isFamily,
  type Refusal,
  searchScope,
  sendRefusal,
  sendRefusalByRoles,
  startRefusal,
  writableRoles,
} from "./permissions.ts";
import { type Locale, translator } from "../i18n/mod.ts";
import { codePointLength, conversationTitle, isStorable, messageBody } from "./text.ts";
import { DEFAULT_PAGE, MAX_PAGE, MAX_PARTICIPANTS } from "./schemas.ts";
import { SendBatcher, type SendBatcherOptions } from "./send_batcher.ts";

/** Most recipients one search returns (the contract's "at most 20"). */
export const RECIPIENT_LIMIT = 20;

/** Input of {@linkcode Messaging.createConversation}. `participantIds` may include the caller. */
export interface NewConversation {
  establishmentId: string;
  participantIds: readonly string[];
  title?: string | null;
}

/** Which page of messages to list: `after` (newer than), else `before` (older than; newest page when absent). */
export interface MessagePage {
  after?: number;
  before?: number;
  /** 1–100; default 50. */
  limit?: number;
}

/** Input of {@linkcode Messaging.sendMessage}. */
export interface OutgoingMessage {
  conversationId: string;
  /** Chosen by the client, 1–64 characters; a repeat returns the original message. */
  clientId: string;
  body: string;
}

/** A page of the conversation list; `next` (opaque) asks for the following page, absent on the last. */
export interface ConversationListPage {
  conversations: ConversationSummary[];
  next?: string;
}

/** See the module documentation. Every method takes the signed-in user's id first. */
export interface Messaging {
  listConversations(userId: string, establishmentId: string): Promise<ConversationSummary[]>;
  /**
   * One page (`limit`, 1–100) of the caller's conversations in `establishmentIds`, most recent
   * first, after `cursor` (a previous page's `next`); `not_found` for an establishment not theirs,
   * `bad_request` for a cursor that is not a `next`.
   */
  listConversationPage(
    userId: string,
    establishmentIds: readonly string[],
    page: { limit: number; cursor?: string },
  ): Promise<ConversationListPage>;
  createConversation(
    userId: string,
    input: NewConversation,
  ): Promise<{ conversation: ConversationSummary; created: boolean }>;
  listMessages(userId: string, conversationId: string, page: MessagePage): Promise<Message[]>;
  /** Returns the caller's read marker afterwards (never lower than before, never past the last seq). */
  markRead(userId: string, conversationId: string, seq: number): Promise<number>;
  searchRecipients(userId: string, establishmentId: string, query: string): Promise<Recipient[]>;
  /**
   * Stores a message (`created: false` when this sender already used the `clientId`: the stored
   * one) and publishes it. Refuses `rate_limited` past the sender's send limit (every way of
   * sending counts), `not_found` for a conversation they cannot see, `forbidden` when the rules
   * say no, `overloaded` past the group commit's capacity.
   */
  sendMessage(userId: string, input: OutgoingMessage): Promise<{ message: Message; created: boolean }>;
  /**
   * Tells the conversation's other members that `user` started or stopped typing; `not_found` when
   * they cannot see it. `checked: false` skips the access check, for the "stopped" that follows a
   * send or a disconnect of someone whose "started" was checked.
   */
  setTyping(
    user: { id: string; name: string },
    conversationId: string,
    typing: boolean,
    opts?: { checked?: boolean },
  ): Promise<void>;
  /** One conversation as the user sees it, with whether they may send (null when they cannot see it). */
  conversationSummary(userId: string, conversationId: string): Promise<ConversationSummary | null>;
  /** Unread messages per establishment over every conversation the user can see (the page's badges). */
  unreadByEstablishment(userId: string): Promise<Map<string, number>>;
  /** Counters of every conversation the user can see, for the WebSocket `hello`. */
  conversationStates(userId: string): Promise<ConversationState[]>;
}

const NO_ESTABLISHMENT = "No such establishment among yours; choose one listed by GET /api/me.";
const NO_CONVERSATION =
  "No such conversation among yours; it may have been removed, or you no longer have access.";

/** Options of {@linkcode createMessaging}. */
export interface MessagingOptions {
  /** Group commit of sends (see `send_batcher.ts`); its defaults when absent. */
  sendBatch?: SendBatcherOptions;
  /**
   * Sends per person, over every socket and REST, on every instance (kept in the database, like
   * every shared limit: limits.ts). Default {@linkcode LIMITS}`.sends`, 20 at once then 5/s.
   */
  sendLimit?: LimitRule;
}

/**
 * Creates the messaging service over `db`. Whatever it commits that others must hear of (a stored
 * message, a moved read marker, a new conversation, typing) is published on `events` after COMMIT.
 *
 * Sends are checked and stored in batches (group commit, `send_batcher.ts`); one user's sends enter
 * the batch queue in the order they were made, so a client that pipelines sends sees its messages
 * in that order.
 */
export function createMessaging(
  db: Database,
  events: DomainEvents,
  options: MessagingOptions = {},
): Messaging {
  const sendLimit = options.sendLimit ?? LIMITS.sends;
  const sendBucket = { name: sendLimit.name, ...bucketShape(sendLimit) };

  /**
   * Why `input` may not be stored (an error to throw), or undefined when it may: the send limit,
   * then whether the sender sees the conversation, then the rules (the relations to the other
   * participants are read only when the roles do not decide).
   */
  async function sendRefused(input: AppendMessageInput, { decision, head }: SendAdmission) {
    if (!decision.allowed) {
      return rateLimited(
        decision.retryAfterSeconds,
        `You are sending too fast; wait ${describeWait(decision.retryAfterSeconds)} and send again.`,
      );
    }
    if (head === undefined) return notFound(NO_CONVERSATION);
    let refusal = sendRefusalByRoles(head, head.settings);
    if (refusal === undefined) {
      const [context] = await loadSendContexts(
        db,
        input.senderId,
        { conversationId: input.conversationId },
        currentSchoolYear(),
      );
      if (context === undefined) return notFound(NO_CONVERSATION);
      refusal = sendRefusal(context, context.settings);
    }
    return refusal === null ? undefined : forbidden(refusalText(head.locale, refusal, "send"));
  }

  /**
   * One batch of sends (see `send_batcher.ts`): admitted together (`admitSends`: the send limit's
   * tokens and the heads of the checks, one statement), then the allowed ones stored together
   * (`appendMessages`, one statement), so a batch costs two round trips whatever its size. A
   * statement takes from a bucket once: a sender's second send of the batch is admitted by a
   * second statement (each wave holds each sender once, in order), and once a sender is refused
   * their later sends of the batch are too, without a statement (their bucket refills by one token
   * in a fifth of a second), so one person flooding costs at most a wave per token they have left.
   */
  async function admitAndStore(inputs: readonly AppendMessageInput[]): Promise<AppendOutcome[]> {
    const outcomes: AppendOutcome[] = [];
    const allowed: number[] = [];
    const limited = new Map<string, AppendOutcome>();
    for (let wave = inputs.map((_, i) => i); wave.length > 0;) {
      const senders = new Set<string>();
      const now: number[] = [];
      const later: number[] = [];
      for (const i of wave) {
        const sender = inputs[i]!.senderId;
        const refused = limited.get(sender);
        if (refused !== undefined) {
          outcomes[i] = refused;
        } else if (senders.has(sender)) {
          later.push(i);
        } else {
          senders.add(sender);
          now.push(i);
        }
      }
      if (now.length === 0) break;
      const admissions = await admitSends(
        db,
        now.map((i) => ({ viewerId: inputs[i]!.senderId, conversationId: inputs[i]!.conversationId })),
        sendBucket,
      );
      await Promise.all(now.map(async (i, k) => {
        const admission = admissions[k]!;
        try {
          const refused = await sendRefused(inputs[i]!, admission);
          if (refused === undefined) allowed.push(i);
          else outcomes[i] = { ok: false, error: refused };
          if (!admission.decision.allowed) limited.set(inputs[i]!.senderId, outcomes[i]!);
        } catch (error) {
          outcomes[i] = { ok: false, error };
        }
      }));
      wave = later;
    }
    allowed.sort((a, b) => a - b); // input order: one sender's seqs follow their sends
    const stored = await appendMessages(db, allowed.map((i) => inputs[i]!));
    allowed.forEach((i, k) => outcomes[i] = stored[k]!);
    return outcomes;
  }

  const batcher = new SendBatcher(admitAndStore, options.sendBatch);

  /** The caller's role in the establishment, or `not_found` when they have none. */
  async function roleIn(userId: string, establishmentId: string): Promise<Role> {
    const role = await getRole(db, userId, establishmentId);
    if (role === null) throw notFound(NO_ESTABLISHMENT);
    return role;
  }

  /** The caller's access to the conversation, or `not_found` when they have none. */
  async function accessTo(userId: string, conversationId: string) {
    const access = isUuid(conversationId) ? await getAccess(db, conversationId, userId) : null;
    if (access === null) throw notFound(NO_CONVERSATION);
    return access;
  }

  /** One conversation as the user sees it, with their send state. */
  async function summaryFor(userId: string, conversationId: string): Promise<ConversationSummary | null> {
    const [summary, contexts] = await Promise.all([
      getConversationSummary(db, conversationId, userId),
      loadSendContexts(db, userId, { conversationId }, currentSchoolYear()),
    ]);
    return summary === null ? null : withSendState([summary], contexts)[0]!;
  }

  /** The reason of a refusal in the caller's language. */
  async function refusalMessage(userId: string, refusal: Refusal, action: "start" | "send"): Promise<string> {
    return refusalText((await getUser(db, userId))?.locale ?? "fr", refusal, action);
  }

  return {
    async listConversations(userId, establishmentId) {
      await roleIn(userId, establishmentId);
      const [list, contexts] = await Promise.all([
        selectConversations(db, userId, establishmentId),
        loadSendContexts(db, userId, { establishmentId }, currentSchoolYear()),
      ]);
      return withSendState(list, contexts);
    },

    async listConversationPage(userId, establishmentIds, { limit, cursor }) {
      const ids = [...new Set(establishmentIds.map((id) => id.toLowerCase()))];
      for (const id of ids) await roleIn(userId, id);
      const page = await selectConversationPage(db, userId, ids, {
        limit,
        cursor: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      const contexts = await loadSendContexts(
        db,
        userId,
        { conversationIds: page.conversations.map((c) => c.id) },
        currentSchoolYear(),
      );
      return {
        conversations: withSendState(page.conversations, contexts),
        ...(page.next ? { next: encodeCursor(page.next) } : {}),
      };
    },

    async createConversation(userId, input) {
      const creatorRole = await roleIn(userId, input.establishmentId);
      const title = conversationTitle(input.title);
      const others = [...new Set(input.participantIds.map((id) => id.toLowerCase()))]
        .filter((id) => id !== userId.toLowerCase());
      if (others.length === 0) throw badRequest("participantIds: add at least one person besides yourself.");
      if (others.length > MAX_PARTICIPANTS) {
        throw badRequest(`participantIds: at most ${MAX_PARTICIPANTS} people per conversation.`);
      }
      const [settings, related] = await Promise.all([
        getMessagingSettings(db, input.establishmentId),
        listRelatedMembers(db, {
          establishmentId: input.establishmentId,
          viewerId: userId,
          schoolYear: currentSchoolYear(),
          ids: others,
          limit: others.length,
        }),
      ]);
      if (related.length !== others.length) {
        throw forbidden(
          "Some participants are not members of this establishment; choose people from the recipient search.",
        );
      }
      const refusal = startRefusal(creatorRole, related, settings);
      if (refusal !== null) throw forbidden(await refusalMessage(userId, refusal, "start"));
      const { id, created } = await insertConversation(db, {
        establishmentId: input.establishmentId,
        createdBy: userId,
        participantIds: [userId, ...others],
        title,
      });
      if (created) events.publish({ kind: "conversation_created", conversationId: id });
      const conversation = await summaryFor(userId, id);
      // Only possible if a membership was removed between the checks and now.
      if (conversation === null) throw notFound(NO_CONVERSATION);
      return { conversation, created };
    },

    async listMessages(userId, conversationId, page) {
      await accessTo(userId, conversationId);
      if (page.after !== undefined && page.before !== undefined) {
        throw badRequest(
          "after, before: give one of them, not both (after = newer messages, before = older ones)",
        );
      }
      const limit = Math.min(MAX_PAGE, Math.max(1, Math.trunc(page.limit ?? DEFAULT_PAGE)));
      const messages = page.after !== undefined
        ? await listMessagesAfter(db, conversationId, page.after, limit)
        : await listMessagesBefore(db, conversationId, page.before ?? null, limit);
      // A sender's clientIds are theirs alone (their client merges pending copies with them).
      return messages.map(({ clientId, ...message }) =>
        message.senderId === userId && clientId !== undefined ? { ...message, clientId } : message
      );
    },

    async markRead(userId, conversationId, seq) {
      await accessTo(userId, conversationId);
      const readSeq = await storeReadMarker(db, conversationId, userId, seq);
      events.publish({
        kind: "read_moved",
        conversationId: conversationId.toLowerCase(),
        userId,
        seq: readSeq,
      });
      return readSeq;
    },

    async searchRecipients(userId, establishmentId, query) {
      const role = await roleIn(userId, establishmentId);
      const settings = await getMessagingSettings(db, establishmentId);
      if (startRefusal(role, [{ role: "admin", teaches: true, taughtBy: true, sameClass: true }], settings)) {
        return []; // the mode keeps this person from starting any conversation
      }
      const scope = searchScope(role, settings);
      // The rules are applied here, not in SQL, so search can never disagree with creation: pages of
      // candidates in name order are filtered until enough are found (most pages are the first).
      const found: Recipient[] = [];
      for (let offset = 0;; offset += SEARCH_PAGE) {
        const page = await selectRecipients(db, {
          establishmentId,
          query,
          roles: writableRoles(role),
          excludeUserId: userId,
          limit: SEARCH_PAGE,
          offset,
          scope,
        });
        for (const { id, name, email, role: theirs, group, affiliation, ...facts } of page) {
          if (startRefusal(role, [{ role: theirs, ...facts }], settings) !== null) continue;
          found.push({ id, name, email, role: theirs, group, ...(affiliation ? { affiliation } : {}) });
          if (found.length === RECIPIENT_LIMIT) return found;
        }
        if (page.length < SEARCH_PAGE) return found;
      }
    },

    async sendMessage(userId, input) {
      const body = messageBody(input.body);
      const clientIdLength = codePointLength(input.clientId);
      if (clientIdLength < 1 || clientIdLength > 64 || !isStorable(input.clientId)) {
        throw badRequest("clientId: expected 1 to 64 characters (letters, digits and dashes are safest).");
      }
      if (!isUuid(userId) || !isUuid(input.conversationId)) throw notFound(NO_CONVERSATION);
      // Queued at once, so one user's sends keep the order they were made in; the limit and the
      // rules are checked with the batch, at send time (the database is the truth, on every instance).
      const stored = batcher.submit({
        conversationId: input.conversationId,
        senderId: userId.toLowerCase(),
        clientId: input.clientId,
        body,
      });
      const result = await stored;
      // clientIds are unique per sender across conversations; a reuse elsewhere is a client bug.
      if (result.message.conversationId !== input.conversationId.toLowerCase()) {
        throw badRequest(
          "clientId: already used for a message in another conversation; use a new one per message.",
        );
      }
      if (result.created) events.publish({ kind: "message_stored", message: result.message });
      return result;
    },

    async setTyping(user, conversationId, typing, opts = {}) {
      const id = conversationId.toLowerCase();
      if (opts.checked !== false) await accessTo(user.id, id);
      events.publish({ kind: "typing", conversationId: id, userId: user.id, name: user.name, typing });
    },

    conversationSummary: (userId, conversationId) => summaryFor(userId, conversationId),
    async unreadByEstablishment(userId) {
      return await countUnreadByEstablishment(db, userId);
    },

    async conversationStates(userId) {
      return await listConversationStates(db, userId);
    },
  };
}

/** Candidates read per page of recipient search. */
const SEARCH_PAGE = 200;

/** Why someone may not start or send, in words a parent understands (the composer shows it). */
export function refusalText(locale: Locale, refusal: Refusal, action: "start" | "send"): string {
  const t = translator(locale);
  switch (refusal) {
    case "families_silenced":
      return t("rules.familiesSilenced");
    case "staff_start":
      return t("rules.staffStart");
    case "not_allowed":
      return action === "start" ? t("rules.notAllowedStart") : t("rules.notAllowedSend");
  }
}

/** The summaries with whether the viewer may send in each, and when the staff in it answer families. */
function withSendState(list: ConversationSummary[], contexts: SendContextRow[]): ConversationSummary[] {
  const byId = new Map(contexts.map((c) => [c.conversationId, c]));
  return list.map((summary) => {
    const context = byId.get(summary.id);
    if (context === undefined) return summary;
    const refusal = sendRefusal(context, context.settings);
    const availability = isFamily(context.role)
      ? context.others.flatMap((o) => o.hours === null ? [] : [{ id: o.id, name: o.name, hours: o.hours }])
      : undefined;
    return {
      ...summary,
      canSend: refusal === null,
      ...(refusal === null ? {} : { cannotSendReason: refusal }),
      ...(availability?.length ? { availability } : {}),
    };
  });
}

const BAD_CURSOR = "cursor: expected the next of a previous page; start again without a cursor";

/** A page cursor on the wire: opaque text (the exact activity time and the id, base64url). */
function encodeCursor(cursor: ConversationCursor): string {
  return btoa(`${cursor.updatedAt}|${cursor.id}`).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
}

function decodeCursor(text: string): ConversationCursor {
  let decoded: string;
  try {
    decoded = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    throw badRequest(BAD_CURSOR);
  }
  const [updatedAt, id, ...rest] = decoded.split("|");
  if (
    rest.length > 0 || id === undefined || !isUuid(id) || updatedAt === undefined ||
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(updatedAt)
  ) {
    throw badRequest(BAD_CURSOR);
  }
  return { updatedAt, id };
}
