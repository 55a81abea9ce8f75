/**
 * Server side of `/[locale]/admin/outbox[/<mail id>]`: the establishment's mails for its admins. The
 * establishment is the switcher's `?establishment=`, else the remembered one, else the first one this
 * person administers; someone who administers none gets 404, like any page that is not theirs.
 */
import { getCookie } from "hono/cookie";
import type { RouteContext } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import type { QueuedMail } from "@/db/mail_queue.ts";
import { listOutbox, type ReadableMail, readOutboxMail } from "@/domain/mail/outbox.ts";
import { chooseMembership, ESTABLISHMENT_COOKIE } from "./portal.ts";
import { defineSignedInPage, type SignedInPageState } from "./state.ts";

/** The list page's data. */
export interface OutboxData {
  membership: Membership;
  mails: QueuedMail[];
  transport: string;
  outboxDir: string | null;
}

/** One mail's page data. */
export interface OutboxMailData {
  membership: Membership;
  readable: ReadableMail;
}

/** The administered establishment this request is about, or undefined. */
export function adminMembership(ctx: RouteContext<SignedInPageState, unknown>): Membership | undefined {
  const admin = ctx.state.me.memberships.filter((m) => m.role === "admin");
  return chooseMembership(
    admin,
    ctx.url.searchParams.get("establishment"),
    getCookie(ctx.hono, ESTABLISHMENT_COOKIE),
  );
}

export const outboxListHandler = defineSignedInPage.handlers<OutboxData>({
  async GET(ctx): Promise<Response> {
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const { services, user } = ctx.state;
    const mails = await listOutbox(services.db, user.id, membership.establishmentId);
    const transport = services.mail.transport;
    return await ctx.render({
      membership,
      mails,
      transport: transport.description,
      outboxDir: transport.outboxDir ?? null,
    });
  },
});

/** Loads one mail of the chosen establishment, or undefined when it is not one of its mails. */
export async function loadOutboxMail(
  ctx: RouteContext<SignedInPageState, unknown>,
): Promise<OutboxMailData | undefined> {
  const membership = adminMembership(ctx);
  if (!membership) return undefined;
  const { services, user } = ctx.state;
  try {
    const readable = await readOutboxMail(
      services.db,
      services.mail,
      user.id,
      membership.establishmentId,
      ctx.params.mailId ?? "",
    );
    return { membership, readable };
  } catch (error) {
    if ((error as { code?: string }).code === "not_found") return undefined;
    throw error;
  }
}
