/**
 * Server side of `/[locale]/{parents|admin}/notifications`, the notification-email settings of both
 * portals: each person's digest choice (soon / daily at an hour / none), and for admins the "no message
 * text in emails" setting of each establishment they run. A plain form, so it works without JavaScript.
 */
import type { RouteContext } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import type { Portal } from "@/client/types.ts";
import { AppError } from "@/domain/errors.ts";
import {
  hideMessageTextOf,
  type MailPreference,
  preferenceOf,
  updateHideMessageText,
  updatePreference,
} from "@/domain/mail/settings.ts";
import { defineSignedInPage, type SignedInPageState } from "./state.ts";

/** What the page renders. */
export interface NotificationsData {
  portal: Portal;
  membership: Membership | null;
  preference: MailPreference;
  /** The establishments this person administers, with their setting. */
  schools: { establishmentId: string; name: string; hideMessageText: boolean }[];
  saved?: boolean;
  invalid?: boolean;
}

async function load(ctx: RouteContext<SignedInPageState, NotificationsData>, portal: Portal) {
  const { services, user, me } = ctx.state;
  const schools = [];
  for (const m of me.memberships.filter((m) => m.role === "admin")) {
    schools.push({
      establishmentId: m.establishmentId,
      name: m.establishmentName,
      hideMessageText: await hideMessageTextOf(services.db, user.id, m.establishmentId),
    });
  }
  return {
    portal,
    membership: me.memberships[0] ?? null,
    preference: await preferenceOf(services.db, user.id),
    schools,
  };
}

/** The handlers of one portal's notifications page. */
export function notificationsHandler(portal: Portal) {
  return defineSignedInPage.handlers<NotificationsData>({
    async GET(ctx): Promise<Response> {
      return await ctx.render(await load(ctx, portal));
    },
    async POST(ctx): Promise<Response> {
      const { services, user, me } = ctx.state;
      const form = await ctx.req.formData().catch(() => new FormData());
      try {
        await updatePreference(services.db, user.id, {
          digest: String(form.get("digest") ?? ""),
          dailyHour: Number(form.get("dailyHour") ?? "18"),
          timeZone: ctx.state.timeZone,
        });
        for (const m of me.memberships.filter((m) => m.role === "admin")) {
          const hide = form.get(`hide-${m.establishmentId}`) === "on";
          await updateHideMessageText(services.db, user.id, m.establishmentId, hide);
        }
      } catch (error) {
        if (!(error instanceof AppError && error.code === "bad_request")) throw error;
        return await ctx.render({ ...(await load(ctx, portal)), invalid: true }, { status: 400 });
      }
      return await ctx.render({ ...(await load(ctx, portal)), saved: true });
    },
  });
}
