/**
 * The one template of account mails: a greeting, what the link does, the link as a button, and how long
 * it works — password reset and invitations. No unsubscribe footer: these mails are not notifications.
 */
import type { NewMail } from "../../db/mail_queue.ts";
import type { User } from "../../db/models.ts";
import { type Locale, translator } from "../../i18n/mod.ts";
import { escapeHtml, headerValue } from "./content.ts";
import { htmlLayout, newMessageId, textLayout } from "./layout.ts";

/** The texts and addressing of one account mail. */
interface AccountMail {
  kind: "account" | "invitation";
  establishmentId: string | null;
  recipientId: string | null;
  to: { name: string; email: string; locale: Locale };
  url: string;
  fromAddress: string;
  subject: string;
  greeting: string;
  intro: string;
  action: string;
  validity: string;
}

function renderAccountMail(m: AccountMail): NewMail {
  const subject = headerValue(m.subject);
  const text = [m.greeting, "", m.intro, "", `${m.action}: ${m.url}`, "", m.validity].join("\n");
  const html = [
    `<p style="margin:0 0 16px">${escapeHtml(m.greeting)}</p>`,
    `<p style="margin:0 0 16px">${escapeHtml(m.intro)}</p>`,
    `<p style="margin:0 0 16px"><a href="${
      escapeHtml(m.url)
    }" style="display:inline-block;padding:10px 16px;` +
    `background:#1d4ed8;color:#ffffff;border-radius:8px;font-weight:bold;text-decoration:none">${
      escapeHtml(m.action)
    }</a></p>`,
    `<p style="margin:0;font-size:13px;color:#475569">${escapeHtml(m.validity)}</p>`,
  ].join("\n");
  return {
    establishmentId: m.establishmentId,
    recipientId: m.recipientId,
    kind: m.kind,
    messageId: newMessageId(m.kind, m.fromAddress),
    toAddress: m.to.email,
    toName: m.to.name,
    subject,
    text: textLayout(text, []),
    html: htmlLayout(m.to.locale, subject, html, []),
  };
}

/** A password reset mail for `user` with the link `url`, valid `validMinutes`. */
export function renderPasswordResetMail(
  user: Pick<User, "id" | "name" | "email" | "locale">,
  url: string,
  ctx: { fromAddress: string; validMinutes: number },
): NewMail {
  const t = translator(user.locale);
  return renderAccountMail({
    kind: "account",
    establishmentId: null,
    recipientId: user.id,
    to: user,
    url,
    fromAddress: ctx.fromAddress,
    subject: t("mail.reset.subject"),
    greeting: t("mail.reset.greeting", { name: user.name }),
    intro: t("mail.reset.intro"),
    action: t("mail.reset.action"),
    validity: t("mail.reset.validity", { minutes: ctx.validMinutes }),
  });
}

/** An invitation into `establishment` sent to `to`, with the link `url`, valid `validDays`. */
export function renderInvitationMail(
  to: { name: string; email: string; locale: Locale },
  ctx: {
    establishmentId: string;
    establishmentName: string;
    inviterName: string;
    url: string;
    fromAddress: string;
    validDays: number;
  },
): NewMail {
  const t = translator(to.locale);
  return renderAccountMail({
    kind: "invitation",
    establishmentId: ctx.establishmentId,
    recipientId: null,
    to,
    url: ctx.url,
    fromAddress: ctx.fromAddress,
    subject: t("mail.invite.subject", { establishment: ctx.establishmentName }),
    greeting: t("mail.reset.greeting", { name: to.name }),
    intro: t("mail.invite.intro", { inviter: ctx.inviterName, establishment: ctx.establishmentName }),
    action: t("mail.invite.action"),
    validity: t("mail.invite.validity", { days: ctx.validDays }),
  });
}
