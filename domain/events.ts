/**
 * The one port through which the domain announces what it has committed. Every service that changes
 * something other people must hear of publishes here, AFTER its transaction committed, so no route,
 * socket handler or operator command can forget an event: callers only call the domain.
 *
 * The realtime core subscribes (and turns events into bus events for every instance); other
 * subscribers (mail, metrics) may follow. Publishing never waits and never throws: a subscriber's
 * failure is logged and is its own to recover from (the realtime core re-reads the database).
 */
import type { Message } from "../db/models.ts";
import type { MessagingMode } from "../db/establishment_settings.ts";

/** Something the domain committed. */
export type DomainEvent =
  /** A new message was stored (not a repeated `clientId`). */
  | { kind: "message_stored"; message: Message }
  /** A participant's read marker is now `seq`. */
  | { kind: "read_moved"; conversationId: string; userId: string; seq: number }
  /** A conversation was created; its members must be told. */
  | { kind: "conversation_created"; conversationId: string }
  /** Someone started or stopped typing (checked, never stored). */
  | { kind: "typing"; conversationId: string; userId: string; name: string; typing: boolean }
  /** A session ended (sign-out, revocation): its sockets must close. */
  | { kind: "session_ended"; sessionId: string }
  /** A person's membership of an establishment was removed or changed: their access must be re-checked. */
  | { kind: "membership_changed"; userId: string; establishmentId: string }
  /** An establishment's messaging settings changed: open pages update their banner and composer. */
  | { kind: "settings_changed"; establishmentId: string; mode: MessagingMode };

/** Where the domain publishes. */
export interface DomainEvents {
  publish(event: DomainEvent): void;
}

/** An in-process dispatcher: the services publish into it, the realtime core (and others) subscribe. */
export class EventHub implements DomainEvents {
  #subscribers = new Set<(event: DomainEvent) => void>();

  publish(event: DomainEvent): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(event);
      } catch (error) {
        console.error(`events: a subscriber of ${event.kind} failed:`, error);
      }
    }
  }

  /** Hands every later event to `subscriber` until the returned function is called. */
  subscribe(subscriber: (event: DomainEvent) => void): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }
}
