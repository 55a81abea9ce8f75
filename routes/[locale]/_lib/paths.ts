/** Where pages send people: login with a return path, and the return path's validation. */
import type { Locale } from "@/i18n/mod.ts";

/**
 * `next` when it is a path of this site (`/fr/parents/messagerie?x=1`), else undefined: no scheme,
 * no `//host` or `/\host` (browsers read both as another site), no control characters. This is
 * what stops the login page from being an open redirect.
 */
export function safeNextPath(next: string | null | undefined): string | undefined {
  if (!next || next.length > 2048 || !next.startsWith("/")) return undefined;
  // deno-lint-ignore no-control-regex
  if (next.startsWith("//") || next.includes("\\") || /[\u0000-\u001f\u007f]/.test(next)) return undefined;
  const base = "http://preau.invalid";
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return undefined;
  }
  if (url.origin !== base) return undefined;
  return url.pathname + url.search + url.hash;
}

/** The login page, bringing the visitor back to `next` afterwards. */
export function loginPath(locale: Locale, next?: string): string {
  const back = safeNextPath(next);
  return `/${locale}/login${back ? `?next=${encodeURIComponent(back)}` : ""}`;
}

/** A redirect that never caches (it depends on the cookie). */
export function redirect(location: string, status: 302 | 303 = 302): Response {
  return new Response(null, { status, headers: { location, "cache-control": "no-store" } });
}
