/**
 * The REST half of the contract, from the browser (same origin, session cookie sent by the
 * browser). Every call takes an optional AbortSignal; failures throw {@linkcode ApiError} with
 * the wire `code` so callers can tell "signed out" from "try again later".
 */
import * as v from "valibot";
import { errorBodySchema } from "../protocol/errors.ts";
import {
  conversationAnswer,
  conversationPageAnswer,
  conversationsAnswer,
  messagesAnswer,
  recipientsAnswer,
  type WireMessage,
} from "../protocol/wire.ts";

let sessionEnded: (() => void) | undefined;

/**
 * What to do when any call answers 401 (the session ended: signed out in another tab, expired,
 * revoked): the messagerie sends the person to the login page. Callers still get the error, and
 * say nothing about it (see {@linkcode isSessionEnded}): the page is leaving.
 */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
}

/** Whether `error` is the 401 of an ended session (nothing to show: the login page is coming). */
export function isSessionEnded(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

/** A non-2xx answer (or a network failure: status 0, code `network`). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * Calls `path` and validates a 2xx answer with `answer` (the protocol module's schema), so islands
 * only ever see data of the contract's shape; an answer of another shape is an `ApiError` too.
 */
async function request<T>(
  path: string,
  answer: v.GenericSchema<unknown, T> | undefined,
  init: { method?: string; body?: unknown; signal?: AbortSignal | undefined } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      headers: init.body === undefined ? { accept: "application/json" } : {
        accept: "application/json",
        "content-type": "application/json",
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "same-origin",
      signal: init.signal,
    });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ApiError(0, "network", error instanceof Error ? error.message : String(error));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch { /* not JSON: reported below */ }
  if (res.status === 401) sessionEnded?.();
  if (!res.ok) {
    const parsed = v.safeParse(errorBodySchema, body);
    const error = parsed.success ? parsed.output.error : undefined;
    throw new ApiError(res.status, error?.code ?? "http_error", error?.message ?? `HTTP ${res.status}`);
  }
  if (answer === undefined) return undefined as T;
  const parsed = v.safeParse(answer, body);
  if (!parsed.success) {
    throw new ApiError(res.status, "bad_answer", `${path}: the server's answer is not of the expected shape`);
  }
  return parsed.output;
}

/** `GET /api/conversations/:id/messages`: `after` (newer) or `before` (older; newest page if absent). */
export async function fetchMessages(
  conversationId: string,
  page: { after?: number; before?: number; limit?: number },
  signal?: AbortSignal,
): Promise<WireMessage[]> {
  const query = new URLSearchParams();
  if (page.after !== undefined) query.set("after", String(page.after));
  if (page.before !== undefined) query.set("before", String(page.before));
  if (page.limit !== undefined) query.set("limit", String(page.limit));
  const path = `/api/conversations/${encodeURIComponent(conversationId)}/messages?${query}`;
  return (await request(path, messagesAnswer, { signal })).messages;
}

/**
 * `GET /api/conversations?establishmentIds=&limit=&cursor=`: one page of the list over several
 * establishments, most recent first; `next` asks for the following page (null on the last).
 */
export async function fetchConversationPage(
  establishmentIds: readonly string[],
  page: { limit?: number; cursor?: string } = {},
  signal?: AbortSignal,
) {
  const query = new URLSearchParams({ establishmentIds: establishmentIds.join(",") });
  if (page.limit !== undefined) query.set("limit", String(page.limit));
  if (page.cursor !== undefined) query.set("cursor", page.cursor);
  return await request(`/api/conversations?${query}`, conversationPageAnswer, { signal });
}

/** `GET /api/conversations?establishmentId=`: most recent first. */
export async function fetchConversations(establishmentId: string, signal?: AbortSignal) {
  const path = `/api/conversations?establishmentId=${encodeURIComponent(establishmentId)}`;
  return (await request(path, conversationsAnswer, { signal })).conversations;
}

/**
 * `POST /api/conversations`: opens the existing two-person conversation or creates one; with
 * several people (and a title), a group conversation.
 */
export async function openConversation(establishmentId: string, participantIds: string[], title?: string) {
  const body = title === undefined
    ? { establishmentId, participantIds }
    : { establishmentId, participantIds, title };
  return (await request("/api/conversations", conversationAnswer, { method: "POST", body })).conversation;
}

/** `POST /api/conversations/:id/read` (used when the socket is down). */
export async function postRead(conversationId: string, seq: number): Promise<void> {
  await request(`/api/conversations/${encodeURIComponent(conversationId)}/read`, undefined, {
    method: "POST",
    body: { seq },
  });
}

/** `GET /api/recipients`: people the signed-in user may write to. */
export async function searchRecipients(establishmentId: string, q: string, signal?: AbortSignal) {
  const query = new URLSearchParams({ establishmentId, q });
  return (await request(`/api/recipients?${query}`, recipientsAnswer, { signal })).recipients;
}

/** `GET /api/me` answers 401 once the session is gone: used to tell a refused upgrade from an outage. */
export async function sessionIsValid(): Promise<boolean> {
  try {
    await request("/api/me", undefined);
    return true;
  } catch (error) {
    return !(error instanceof ApiError && error.status === 401);
  }
}
