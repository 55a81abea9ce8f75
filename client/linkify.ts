/**
 * Splits message text into plain text and web links, so bodies render as text nodes (never HTML)
 * with only `http:`/`https:` URLs made clickable. Trailing punctuation that usually ends a
 * sentence (".", ",", ")" without an opening one…) stays outside the link.
 */

export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?'"»)\]]+$/;

/** The segments of `text`, in order; joining their `text` gives `text` back. */
export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let candidate = match[0];
    const trail = TRAILING.exec(candidate)?.[0] ?? "";
    candidate = candidate.slice(0, candidate.length - trail.length);
    // Keep a closing parenthesis that belongs to the URL, as in Wikipedia links.
    if (trail.startsWith(")") && candidate.includes("(")) candidate += ")";
    const href = safeHref(candidate);
    if (href === undefined) continue;
    const start = match.index;
    if (start > last) segments.push({ kind: "text", text: text.slice(last, start) });
    segments.push({ kind: "link", text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) segments.push({ kind: "text", text: text.slice(last) });
  return segments;
}

/** The normalised URL when it is a valid http(s) URL, else undefined. */
export function safeHref(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
