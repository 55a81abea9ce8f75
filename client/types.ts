/**
 * The wire contract as the browser sees it, from the one protocol module (`protocol/`: valibot
 * schemas, types derived from them), plus the shapes only the islands use. Islands import these
 * instead of `db/models.ts`, so nothing server-side can leak into the client bundle.
 */
export type {
  ConversationState,
  Participant,
  Recipient,
  Role,
  WireConversation,
  WireMessage,
} from "../protocol/wire.ts";
export { parseServerFrame, type ServerFrame } from "../protocol/server_frames.ts";
export type { ClientFrame, ResumeFrame } from "../protocol/client_frames.ts";

import type { WireConversation, WireMessage } from "../protocol/wire.ts";

/** Which half of the app a person uses in an establishment: families or staff. */
export type Portal = "parents" | "admin";

/**
 * Everything the messagerie islands need from the server render. The page passes ONE such object
 * to every island, so the state script carries it once.
 */
export interface ChatBoot {
  locale: "fr" | "en";
  timeZone: string;
  user: { id: string; name: string };
  /** Where new conversations are started (the switcher's choice). */
  establishmentId: string;
  /**
   * Every establishment of this inbox (those where the person uses this portal), by name: their
   * conversations are listed together, each tagged with its school when there are several.
   */
  establishments: { id: string; name: string }[];
  /** e.g. `/fr/parents/messagerie`; a conversation lives at `${basePath}/${id}`. */
  basePath: string;
  /** The first page of the list (and the selected conversation, wherever it is in the list). */
  conversations: WireConversation[];
  /** The cursor of the list's next page; null or absent when everything is in `conversations`. */
  next?: string | null;
  /**
   * Unread messages per establishment of the inbox, over every conversation (loaded or not), until
   * `hello` brings every conversation's counters.
   */
  unreadTotals?: Record<string, number>;
  selectedId: string | null;
  /** The newest page of the selected conversation, ascending. */
  messages: WireMessage[];
  /** Whether older messages than `messages` exist. */
  hasOlder: boolean;
  /** Staff may start group conversations from the "+" dialog. */
  canCreateGroups: boolean;
  /** Where to send someone whose session ended (`/fr/login?next=…` is appended by the client). */
  loginPath: string;
  /** A parent or student (the families' portal): the messaging mode and staff hours concern them. */
  family?: boolean;
  /** Each inbox establishment's messaging mode at render time; `settings` frames update it. */
  modes?: Record<string, MessagingMode>;
}

/** An establishment's messaging mode (`settings` frame). */
export type MessagingMode = "open" | "staff_start" | "families_silenced";
