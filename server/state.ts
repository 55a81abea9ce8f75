/** What every request can reach through `ctx.state`: the services, and who is signed in. */
import type { AuthService } from "../domain/auth.ts";
import type { EventHub } from "../domain/events.ts";
import type { createMessaging } from "../domain/messaging.ts";
import type { User } from "../db/models.ts";
import type { RateLimitStore } from "../domain/limits.ts";
import type { AddressRange } from "./client_address.ts";
import type { OriginPolicy } from "./origin.ts";
import type { Database } from "../db/types.ts";
import type { Realtime } from "../realtime/realtime.ts";
import type { MailService } from "../domain/mail/mail_service.ts";
import type { PasswordReset } from "../domain/password_reset.ts";

export type { AuthService };
/** The messaging service (conversations, messages, read markers, recipients). */
export type Messaging = ReturnType<typeof createMessaging>;

/** Long-lived dependencies, built once at start by `server/app.ts`. */
export interface Services {
  db: Database;
  /** The domain's event port: services publish what they committed; the realtime core listens. */
  events: EventHub;
  auth: AuthService;
  messaging: Messaging;
  /** Per-user limits shared by every instance (REST handlers apply them with `enforceLimit`). */
  limits: RateLimitStore;
  originPolicy: OriginPolicy;
  /** `PREAU_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` names the client (`server/client_address.ts`). */
  trustedProxies: readonly AddressRange[];
  /** The WebSocket hub and fan-out bus (it hears the domain's events; nobody publishes by hand). */
  realtime: Realtime;
  /** Mail: transport, queue worker and digest scheduler (started by `server/compose.ts`). */
  mail: MailService;
  /** "Mot de passe oublié": reset links by mail (`domain/password_reset.ts`). */
  passwordReset: PasswordReset;
  /** Whether the process is draining (readiness answers 503). */
  isStopping(): boolean;
  /** Whether every migration is applied (for readiness). */
  migrationsApplied(): Promise<boolean>;
}

/** `ctx.state` of every request. `user`/`sessionId` are set once the session is verified. */
export interface AppState extends Record<string, unknown> {
  services: Services;
  user?: User;
  sessionId?: string;
}

/** `ctx.state` behind the session middleware. */
export interface SignedInState extends AppState {
  user: User;
  sessionId: string;
}
