/**
 * The wire contract as the browser sees it (JSON: times are ISO strings). Islands import these
 * instead of `db/models.ts`, so nothing server-side can leak into the client bundle.
 */

export type Role = "admin" | "teacher" | "parent" | "student";

/** Which half of the app a person uses in an establishment: families or staff. */
export type Portal = "parents" | "admin";

export interface WireMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  senderName: string;
  body: string;
  createdAt: string;
}

export interface Participant {
  id: string;
  name: string;
  role: Role;
}

export interface WireConversation {
  id: string;
  establishmentId: string;
  title: string | null;
  participants: Participant[];
  lastMessage: WireMessage | null;
  lastSeq: number;
  readSeq: number;
  unread: number;
  updatedAt: string;
}

export interface Recipient {
  id: string;
  name: string;
  email: string;
  role: Role;
}

/** Per-conversation counters of `hello`. */
export interface ConversationState {
  id: string;
  establishmentId: string;
  lastSeq: number;
  readSeq: number;
  unread: number;
}

export type ServerFrame =
  | {
    type: "hello";
    protocol: number;
    user: { id: string; name: string };
    conversations: ConversationState[];
  }
  | { type: "ack"; clientId: string; message: WireMessage }
  | { type: "message"; message: WireMessage }
  | { type: "typing"; conversationId: string; userId: string; name: string; typing: boolean }
  | { type: "read"; conversationId: string; userId: string; seq: number }
  | { type: "conversation"; conversation: WireConversation }
  | { type: "pong" }
  | { type: "error"; code: string; message: string; clientId?: string };

export type ClientFrame =
  | { type: "send"; clientId: string; conversationId: string; body: string }
  | { type: "typing"; conversationId: string; typing: boolean }
  | { type: "read"; conversationId: string; seq: number }
  | { type: "ping" };

/**
 * Everything the messagerie islands need from the server render. The page passes ONE such object
 * to every island, so the state script carries it once.
 */
export interface ChatBoot {
  locale: "fr" | "en";
  timeZone: string;
  user: { id: string; name: string };
  establishmentId: string;
  /** e.g. `/fr/parents/messagerie`; a conversation lives at `${basePath}/${id}`. */
  basePath: string;
  conversations: WireConversation[];
  selectedId: string | null;
  /** The newest page of the selected conversation, ascending. */
  messages: WireMessage[];
  /** Whether older messages than `messages` exist. */
  hasOlder: boolean;
  /** Where to send someone whose session ended (`/fr/login?next=…` is appended by the client). */
  loginPath: string;
}

/** Parses a server frame, or undefined for anything malformed or unknown (ignored, per the contract). */
export function parseServerFrame(data: unknown): ServerFrame | undefined {
  if (typeof data !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const type = (value as { type?: unknown }).type;
  const known = ["hello", "ack", "message", "typing", "read", "conversation", "pong", "error"];
  return typeof type === "string" && known.includes(type) ? value as ServerFrame : undefined;
}
