/**
 * The one template of account mails: a greeting, what the link does, the link as a button, and how long
 * it works (password reset now; invitations use the same shape). No unsubscribe footer: the person asked
 * for this mail, and it is not a notification.
 */
import type { NewMail } from "../../db/mail_queue.ts";
import type { User } from "../../db/models.ts";
import { translator } from "../../i18n/mod.ts";
import { escapeHtml, headerValue } from "./content.ts";
import { htmlLayout, newMessageId, textLayout } from "./layout.ts";

/** A password reset mail for `user` with the link `url`, valid `validMinutes`. */
export function renderPasswordResetMail(
  user: Pick<User, "id" | "name" | "email" | "locale">,
  url: string,
  ctx: { fromAddress: string; validMinutes: number },
): NewMail {
  const t = translator(user.locale);
  const subject = headerValue(t("mail.reset.subject"));
  const greeting = t("mail.reset.greeting", { name: user.name });
  const intro = t("mail.reset.intro");
  const action = t("mail.reset.action");
  const validity = t("mail.reset.validity", { minutes: ctx.validMinutes });
  const text = [greeting, "", intro, "", `${action}: ${url}`, "", validity].join("\n");
  const html = [
    `<p style="margin:0 0 16px">${escapeHtml(greeting)}</p>`,
    `<p style="margin:0 0 16px">${escapeHtml(intro)}</p>`,
    `<p style="margin:0 0 16px"><a href="${escapeHtml(url)}" style="display:inline-block;padding:10px 16px;` +
    `background:#1d4ed8;color:#ffffff;border-radius:8px;font-weight:bold;text-decoration:none">${
      escapeHtml(action)
    }</a></p>`,
    `<p style="margin:0;font-size:13px;color:#475569">${escapeHtml(validity)}</p>`,
  ].join("\n");
  return {
    establishmentId: null,
    recipientId: user.id,
    kind: "account",
    messageId: newMessageId("reset", ctx.fromAddress),
    toAddress: user.email,
    toName: user.name,
    subject,
    text: textLayout(text, []),
    html: htmlLayout(user.locale, subject, html, []),
  };
}
