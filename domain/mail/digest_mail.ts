/**
 * The one template of the missed-message digest: the conversations with unread messages, their senders,
 * counts, a short preview of the newest (unless the establishment hides message text) and a link to each,
 * in the recipient's locale. Only conversations the recipient takes part in, in an establishment they
 * still belong to, ever reach this template (see db/digests.ts).
 */
import type { DigestConversation, DigestRecipient } from "../../db/digests.ts";
import type { NewMail } from "../../db/mail_queue.ts";
import { translator } from "../../i18n/mod.ts";
import { escapeHtml, headerValue, preview } from "./content.ts";
import { htmlLayout, newMessageId, textLayout } from "./layout.ts";
import { conversationUrl, preferencesUrl, unsubscribeUrl } from "./links.ts";

/** What the template needs besides the data. */
export interface DigestContext {
  baseUrl: string;
  fromAddress: string;
  /** The recipient's unsubscribe token. */
  unsubscribeToken: string;
}

/** Renders the digest of `recipient` about `conversations` (non-empty, newest first). */
export function renderDigest(
  recipient: DigestRecipient,
  conversations: readonly DigestConversation[],
  ctx: DigestContext,
): NewMail {
  const t = translator(recipient.locale);
  const total = conversations.reduce((sum, c) => sum + c.unread, 0);
  const subject = headerValue(
    t("mail.digest.subject", { count: total, establishment: recipient.establishmentName }),
  );
  const unsubscribe = unsubscribeUrl(ctx.baseUrl, ctx.unsubscribeToken);
  const footer = [
    {
      label: t("mail.footer.preferences"),
      url: preferencesUrl(ctx.baseUrl, recipient.locale, recipient.role),
    },
    { label: t("mail.footer.unsubscribe"), url: unsubscribe },
  ];
  const intro = `${t("mail.digest.greeting", { name: recipient.name })}\n${
    t("mail.digest.intro", { establishment: recipient.establishmentName })
  }`;
  const textParts: string[] = [intro, ""];
  const htmlParts: string[] = [
    `<p style="margin:0 0 16px">${escapeHtml(intro).replace("\n", "<br>")}</p>`,
  ];
  for (const c of conversations) {
    const title = c.title ?? t("mail.digest.with", { names: c.otherNames.join(", ") });
    const url = conversationUrl(ctx.baseUrl, recipient.locale, recipient.role, c.conversationId);
    const count = t("mail.digest.unread", { count: c.unread });
    const from = t("mail.digest.from", { names: c.senders.join(", ") });
    const quote = recipient.hideMessageText
      ? null
      : t("mail.digest.quote", { name: c.lastSender, text: preview(c.lastBody) });
    textParts.push(`* ${title} — ${count}`, `  ${from}`);
    if (quote) textParts.push(`  ${quote}`);
    textParts.push(`  ${t("mail.digest.open")}: ${url}`, "");
    htmlParts.push(
      `<div style="margin:0 0 16px;padding:12px;border:1px solid #e2e8f0;border-radius:8px">` +
        `<p style="margin:0;font-weight:bold">${escapeHtml(title)}</p>` +
        `<p style="margin:4px 0;font-size:14px;color:#334155">${escapeHtml(count)} · ${
          escapeHtml(from)
        }</p>` +
        (quote ? `<p style="margin:4px 0;font-size:14px;color:#475569">${escapeHtml(quote)}</p>` : "") +
        `<p style="margin:8px 0 0"><a href="${escapeHtml(url)}" style="color:#1d4ed8;font-weight:bold">${
          escapeHtml(t("mail.digest.open"))
        }</a></p></div>`,
    );
  }
  if (recipient.hideMessageText) {
    textParts.push(t("mail.digest.hidden"));
    htmlParts.push(
      `<p style="margin:0;font-size:13px;color:#475569">${escapeHtml(t("mail.digest.hidden"))}</p>`,
    );
  }
  return {
    establishmentId: recipient.establishmentId,
    recipientId: recipient.userId,
    kind: "digest",
    messageId: newMessageId("digest", ctx.fromAddress),
    toAddress: recipient.email,
    toName: recipient.name,
    subject,
    text: textLayout(textParts.join("\n"), footer),
    html: htmlLayout(recipient.locale, subject, htmlParts.join("\n"), footer),
    headers: {
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
  };
}
