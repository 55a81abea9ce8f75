/**
 * Hooks giving islands the page's one {@linkcode ChatStore} and one {@linkcode ChatConnection}.
 * In the browser they are module singletons (every island of the page shares them, since the
 * islands come from one code-split build); during the server render each island gets a fresh
 * store from its props, so nothing is shared between requests.
 */
import { useMemo } from "preact/hooks";
import { ChatStore } from "./chat_store.ts";
import type { ChatBoot } from "./types.ts";

const IN_BROWSER = typeof document !== "undefined";
let browserStore: ChatStore | undefined;

/** The page's chat store (created from `boot` by the first island that asks). */
export function useChatStore(boot: ChatBoot): ChatStore {
  const serverStore = useMemo(() => IN_BROWSER ? undefined : new ChatStore(boot), [boot]);
  if (serverStore) return serverStore;
  return browserStore ??= new ChatStore(boot);
}

/** Whether code runs in the browser (effects never run on the server, render code does). */
export function inBrowser(): boolean {
  return IN_BROWSER;
}
