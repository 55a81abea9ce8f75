/**
 * Server side of `/[locale]/{parents|admin}/messagerie[/conversationId]`: picks the establishment
 * (the deep-linked conversation's, else the switcher's `?establishment=`, else the remembered
 * one, else the first), sends people of the other portal to theirs, and loads the first page of
 * the conversation list, every conversation's counters and the selected conversation's newest
 * messages for the server render.
 */
import { getCookie, setCookie } from "hono/cookie";
import type { Membership } from "@/db/models.ts";
import type { ChatBoot, Portal } from "@/client/types.ts";
import { LIST_PAGE } from "@/client/chat_store.ts";
import { chooseMembership, ESTABLISHMENT_COOKIE, messageriePath, portalForRole } from "./portal.ts";
import { redirect } from "./paths.ts";
import { messagingModes } from "@/domain/messaging_settings.ts";
import { defineSignedInPage } from "./state.ts";

/** What the messagerie page renders. */
export interface MessagerieData {
  portal: Portal;
  /** Null for someone without any establishment (the page says so). */
  membership: Membership | null;
  boot: ChatBoot | null;
}

/** The first page of history shown with a conversation. */
const FIRST_PAGE = 50;

/** JSON round trip: Dates become ISO strings, exactly what REST and the socket deliver. */
function wire<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The GET handler of one portal's messagerie pages. */
export function messagerieHandler(portal: Portal) {
  return defineSignedInPage.handlers<MessagerieData>({
    async GET(ctx): Promise<Response> {
      const { services, user, me, locale } = ctx.state;
      const conversationId = ctx.params.conversationId?.toLowerCase();
      let establishmentId: string | undefined;
      if (conversationId !== undefined) {
        const states = await services.messaging.conversationStates(user.id);
        establishmentId = states.find((s) => s.id === conversationId)?.establishmentId;
        if (establishmentId === undefined) return await ctx.renderNotFound();
      }
      const membership = chooseMembership(
        me.memberships,
        establishmentId,
        ctx.url.searchParams.get("establishment"),
        getCookie(ctx.hono, ESTABLISHMENT_COOKIE),
      );
      if (membership === undefined) return await ctx.render({ portal, membership: null, boot: null });
      if (portalForRole(membership.role) !== portal) {
        return redirect(messageriePath(locale, membership, conversationId));
      }
      if (getCookie(ctx.hono, ESTABLISHMENT_COOKIE) !== membership.establishmentId) {
        setCookie(ctx.hono, ESTABLISHMENT_COOKIE, membership.establishmentId, {
          path: "/",
          sameSite: "Lax",
          httpOnly: true,
          maxAge: 365 * 86_400,
        });
      }

      // One inbox: every establishment where this person uses this portal, listed together.
      // The first screenful of it (more on scroll, see islands/ConversationList.tsx), every
      // conversation's counters (the unread badges count all of them, loaded or not).
      const inbox = me.memberships.filter((m) => portalForRole(m.role) === portal);
      const inboxIds = new Set(inbox.map((m) => m.establishmentId));
      const [page, unread, messages] = await Promise.all([
        services.messaging.listConversationPage(user.id, [...inboxIds], { limit: LIST_PAGE }),
        services.messaging.unreadByEstablishment(user.id),
        conversationId === undefined
          ? []
          : services.messaging.listMessages(user.id, conversationId, { limit: FIRST_PAGE }),
      ]);
      const conversations = page.conversations;
      if (conversationId !== undefined && !conversations.some((c) => c.id === conversationId)) {
        // listMessages above already answered not_found for a conversation the user cannot see.
        const summary = await services.messaging.conversationSummary(user.id, conversationId);
        if (summary !== null) conversations.push(summary);
      }
      const boot: ChatBoot = {
        locale,
        timeZone: ctx.state.timeZone,
        user: { id: user.id, name: user.name },
        establishmentId: membership.establishmentId,
        establishments: inbox.map((m) => ({ id: m.establishmentId, name: m.establishmentName })),
        basePath: `/${locale}/${portal}/messagerie`,
        conversations: wire(conversations),
        next: page.next ?? null,
        unreadTotals: Object.fromEntries([...inboxIds].map((id) => [id, unread.get(id) ?? 0])),
        selectedId: conversationId ?? null,
        messages: wire(messages),
        hasOlder: (messages[0]?.seq ?? 1) > 1,
        loginPath: `/${locale}/login`,
        canCreateGroups: portal === "admin",
        family: portal === "parents",
        modes: await messagingModes(services.db, inbox.map((m) => m.establishmentId)),
      };
      return await ctx.render({ portal, membership, boot });
    },
  });
}
