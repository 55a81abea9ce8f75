/** Absolute links put in mails: conversations by the recipient's portal, preferences, unsubscribe. */
import type { Role } from "../../db/models.ts";
import { isStaff } from "../permissions.ts";

/** `admin` for staff, `parents` for families (the portals of `routes/[locale]/`). */
export function portalOf(role: Role): "admin" | "parents" {
  return isStaff(role) ? "admin" : "parents";
}

/** `<base>/<locale>/<portal>/messagerie/<id>`. */
export function conversationUrl(base: string, locale: string, role: Role, conversationId: string): string {
  return `${base}/${locale}/${portalOf(role)}/messagerie/${encodeURIComponent(conversationId)}`;
}

/** The notification settings page of the recipient's portal. */
export function preferencesUrl(base: string, locale: string, role: Role): string {
  return `${base}/${locale}/${portalOf(role)}/notifications`;
}

/** The one-click unsubscribe endpoint (POST) and confirmation page (GET). */
export function unsubscribeUrl(base: string, token: string): string {
  return `${base}/mail/unsubscribe?token=${encodeURIComponent(token)}`;
}
