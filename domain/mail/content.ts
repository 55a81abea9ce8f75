/**
 * Making user content safe in mails: header values lose CR, LF and other control characters (no header
 * injection: "Subject: hi\r\nBcc: x" becomes one harmless line), and text put into HTML is escaped.
 */

/** `value` as one header line: control characters (CR, LF, TAB, NUL…) become spaces, runs collapse. */
export function headerValue(value: string, maxLength = 200): string {
  // deno-lint-ignore no-control-regex
  const line = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").replace(/\s+/g, " ").trim();
  return [...line].slice(0, maxLength).join("");
}

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Plain text as HTML paragraphs: escaped, blank lines split paragraphs, single newlines become `<br>`. */
export function textToHtml(text: string): string {
  return text.split(/\r?\n\s*\r?\n/).map((p) => p.trim()).filter((p) => p !== "")
    .map((p) => `<p style="margin:0 0 12px">${escapeHtml(p).replace(/\r?\n/g, "<br>")}</p>`).join("\n");
}

/** The first `max` characters of `text` on one line, with an ellipsis when cut (digest previews). */
export function preview(text: string, max = 140): string {
  const line = text.replace(/\s+/g, " ").trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** A mail address as `{ name, address }`, from `Name <a@b>` or `a@b`; undefined when malformed. */
export function parseMailbox(raw: string): { name: string; address: string } | undefined {
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return undefined;
  const match = /^\s*(?:"?([^"<>]*?)"?\s*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(raw);
  if (!match) return undefined;
  const address = match[2] ?? match[3] ?? "";
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) return undefined;
  return { name: (match[1] ?? "").trim(), address };
}
