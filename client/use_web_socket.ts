/**
 * `useWebSocket(store)`: the page's one connection to `/ws/chat`, started by the first island
 * that mounts and stopped when the last one unmounts. Frames feed the store; a socket loss tells
 * the store (typing cleared, in-flight messages requeued); `hello` after every (re)connect makes
 * the store resync (see `chat_store.ts`). When the session ends (close code 4401, or a refused
 * upgrade while `/api/me` says signed out) the page goes to the login page, which brings the
 * person back here afterwards.
 */
import { useEffect } from "preact/hooks";
import { onSessionEnded, sessionIsValid } from "./api.ts";
import { ChatConnection } from "./chat_connection.ts";
import type { ChatStore } from "./chat_store.ts";
import { inBrowser } from "./use_chat.ts";

let connection: ChatConnection | undefined;
let users = 0;

/** Path of the WebSocket endpoint (contract). */
export const CHAT_SOCKET_PATH = "/ws/chat";

/** Query flag of the login page: it then says the session has ended (not "wrong password"). */
export const SESSION_ENDED_FLAG = "ended";

let leaving = false;

/** Goes to the login page once, saying why, and bringing the person back here afterwards. */
function toLogin(store: ChatStore): void {
  if (leaving) return;
  leaving = true;
  connection?.stop();
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`${store.boot.loginPath}?${SESSION_ENDED_FLAG}=1&next=${next}`);
}

function connect(store: ChatStore): ChatConnection {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  onSessionEnded(() => toLogin(store));
  const created = new ChatConnection({
    url: `${scheme}//${location.host}${CHAT_SOCKET_PATH}`,
    onFrame: (frame) => store.handleFrame(frame),
    resume: () => store.resumeFrame(),
    onDisconnected: () => store.handleDisconnect(),
    onSessionEnded: () => toLogin(store),
    checkSession: sessionIsValid,
  });
  store.attach(created);
  return created;
}

/** The connection (its `state` and `retryAt` signals drive the status indicator). */
export function useWebSocket(store: ChatStore): ChatConnection {
  const current = inBrowser() ? (connection ??= connect(store)) : new ChatConnection({
    url: "",
    onFrame: () => {},
    onSessionEnded: () => {},
  });
  useEffect(() => {
    users++;
    current.start();
    return () => {
      if (--users === 0) current.stop();
    };
  }, [current]);
  return current;
}
