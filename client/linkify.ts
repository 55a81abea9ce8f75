/**
 * Splits message text into plain text and links, so bodies render as text nodes (never HTML).
 * Recognition is linkifyjs's (a maintained library: `www.` addresses, bare domains with a known
 * top-level domain, e-mail addresses, trailing punctuation left out); only `http:`, `https:` and
 * `mailto:` links are kept, anything else stays text.
 */
import { find } from "linkifyjs";

export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

/** The segments of `text`, in order; joining their `text` gives `text` back. */
export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of find(text)) {
    if (match.type !== "url" && match.type !== "email") continue;
    const href = safeHref(match.href);
    if (href === undefined || match.start < last) continue;
    if (match.start > last) segments.push({ kind: "text", text: text.slice(last, match.start) });
    segments.push({ kind: "link", text: text.slice(match.start, match.end), href });
    last = match.end;
  }
  if (last < text.length) segments.push({ kind: "text", text: text.slice(last) });
  return segments;
}

/** The normalised URL when it is a valid http(s) or mailto URL, else undefined. */
export function safeHref(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}
