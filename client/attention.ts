/**
 * Getting the reader's attention while the messagerie is in a background tab: the unread count in
 * the favicon (the title carries it too, see `ConversationList`), and a system notification per
 * new message — asked for only when the person clicks the "turn on notifications" button, never
 * on load, and shown only while the tab is hidden.
 */

/** The app icon (static/favicon.svg) as markup, to draw the count onto. */
const ICON =
  `<rect width="64" height="64" rx="14" fill="#1d4ed8"/><path d="M16 20h32a4 4 0 0 1 4 4v16a4 4 0 0 1-4 4H30l-10 8v-8h-4a4 4 0 0 1-4-4V24a4 4 0 0 1 4-4z" fill="#fff"/>`;

/** The favicon's `href` for `count` unread messages: the plain icon at 0, a red badge otherwise. */
export function faviconHref(count: number): string {
  if (count <= 0) return "/favicon.svg";
  const label = count > 99 ? "99+" : String(count);
  const size = label.length > 2 ? 22 : 26;
  const badge =
    `<circle cx="44" cy="20" r="20" fill="#b91c1c"/><text x="44" y="29" text-anchor="middle" font-family="Arial,sans-serif" font-weight="700" font-size="${size}" fill="#fff">${label}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${ICON}${badge}</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** Shows `count` in the page's favicon. */
export function showCountInFavicon(count: number): void {
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement("link");
    link.rel = "icon";
    document.head.append(link);
  }
  link.type = "image/svg+xml";
  link.href = faviconHref(count);
  link.dataset.unread = String(count);
}

/** Whether the browser can show notifications and the person has not decided yet. */
export function mayAskForNotifications(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "default";
}

/** Asks for permission (call from a click handler only); resolves whether it was granted. */
export async function askForNotifications(): Promise<boolean> {
  if (typeof Notification === "undefined") return false;
  return (await Notification.requestPermission()) === "granted";
}

/**
 * Notifies of a new message while the tab is hidden and permission was granted; a click brings
 * the tab forward on the conversation (`open`). One notification per conversation at a time.
 */
export function notifyInBackground(
  message: { conversationId: string; senderName: string; body: string },
  open: (conversationId: string) => void,
): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible") return;
  const body = message.body.length > 140 ? `${message.body.slice(0, 140)}…` : message.body;
  const notification = new Notification(message.senderName, {
    body,
    tag: message.conversationId,
    icon: "/favicon.svg",
  });
  notification.onclick = () => {
    globalThis.focus();
    open(message.conversationId);
    notification.close();
  };
}
