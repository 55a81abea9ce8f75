/**
 * The frame shared by every mail's HTML and text: one simple, inline-styled column (mail clients ignore
 * style sheets), and a footer with the preference and unsubscribe links when the mail has them.
 * Callers pass HTML they built from escaped parts only.
 */
import { escapeHtml } from "./content.ts";

/** A footer link. */
export interface FooterLink {
  label: string;
  url: string;
}

/** The whole HTML document around `bodyHtml`. */
export function htmlLayout(
  lang: string,
  title: string,
  bodyHtml: string,
  footer: readonly FooterLink[],
): string {
  const links = footer.map((l) =>
    `<a href="${escapeHtml(l.url)}" style="color:#475569">${escapeHtml(l.label)}</a>`
  )
    .join(" · ");
  return `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:24px;background:#f1f5f9;font-family:Arial,Helvetica,sans-serif;color:#0f172a">
<div style="max-width:600px;margin:0 auto;background:#ffffff;border-radius:12px;padding:24px">
<p style="margin:0 0 16px;font-size:20px;font-weight:bold;color:#1e40af">Préau</p>
${bodyHtml}
${links ? `<p style="margin:24px 0 0;font-size:12px;color:#475569">${links}</p>` : ""}
</div></body></html>`;
}

/** The text version: the body, then each footer link as "label: url". */
export function textLayout(bodyText: string, footer: readonly FooterLink[]): string {
  const links = footer.map((l) => `${l.label}: ${l.url}`).join("\n");
  return `${bodyText.trimEnd()}\n${links ? `\n-- \n${links}\n` : ""}`;
}

/** A Message-ID for a new mail, `<kind.uuid@domain of the sender>` (stable: stored with the mail). */
export function newMessageId(kind: string, fromAddress: string): string {
  const domain = fromAddress.split("@")[1]?.replace(/[^A-Za-z0-9.-]/g, "") || "preau.invalid";
  return `<${kind}.${crypto.randomUUID()}@${domain}>`;
}
