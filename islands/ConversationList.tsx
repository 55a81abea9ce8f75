import { useEffect, useRef, useState } from "preact/hooks";
import {
  askForNotifications,
  mayAskForNotifications,
  notifyInBackground,
  showCountInFavicon,
} from "../client/attention.ts";
import { useNow, useTimeZone } from "../client/clock.ts";
import { conversationHref, isPlainClick, navigateTo } from "../client/navigation.ts";
import type { ChatBoot } from "../client/types.ts";
import { useChatStore } from "../client/use_chat.ts";
import { useWebSocket } from "../client/use_web_socket.ts";
import { ConversationItem } from "../components/ConversationItem.tsx";
import { RecipientSearch } from "../components/RecipientSearch.tsx";
import { FOCUS_RING } from "../components/styles.ts";
import { translator } from "../i18n/mod.ts";

/**
 * The list pane: one inbox over every establishment of the person's portal (a school filter with
 * its unread counts when there are several), most recent first, kept live by the
 * socket (new messages reorder it and raise badges; new conversations appear), the "+" search,
 * and the unread count in the document title. On narrow screens it hides while a conversation
 * is shown. The server renders the first screenful; the next pages load as the end of the list
 * scrolls into view (or with the "show more" button at its end), also while a school filter
 * leaves the loaded part short.
 */
export default function ConversationList({ boot }: { boot: ChatBoot }) {
  const t = translator(boot.locale);
  const store = useChatStore(boot);
  useWebSocket(store);
  const now = useNow(30_000);
  const timeZone = useTimeZone(boot.timeZone);
  const [ready, setReady] = useState(false);
  const selected = store.selectedId.value;
  const total = store.totalUnread.value;

  useEffect(() => setReady(true), []);
  useEffect(() => {
    const title = t("title.messagerie");
    document.title = total > 0 ? t("title.unread", { count: total, title }) : title;
    showCountInFavicon(total);
  }, [total]);

  // Background notifications: offered by a button (permission is never asked on load).
  const [canAsk, setCanAsk] = useState(false);
  useEffect(() => setCanAsk(mayAskForNotifications()), []);
  const incoming = store.lastIncoming.value;
  useEffect(() => {
    if (incoming) notifyInBackground(incoming, (id) => navigateTo(store, id));
  }, [incoming]);

  const [school, setSchool] = useState<string | null>(null);
  const schools = boot.establishments;
  const names = new Map(schools.map((e) => [e.id, e.name]));
  const all = store.conversations.value;
  // A conversation someone opened with "+" but has not written in yet is not news to anyone else.
  const shown = all.filter((c) => c.lastSeq > 0 || c.id === selected);
  const conversations = school === null ? shown : shown.filter((c) => c.establishmentId === school);
  const unreadIn = (id: string | null) => store.unreadIn(id);
  const hasMore = store.next.value !== null;
  const loadingMore = store.loadingMore.value;
  const more = useRef<HTMLLIElement>(null);
  // Loads the next page whenever the end of the list is in view, again after each page while it
  // still is (a filter may leave the loaded part shorter than the pane).
  useEffect(() => {
    const end = more.current;
    if (!end || !hasMore || loadingMore || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void store.loadMore();
    });
    observer.observe(end);
    return () => observer.disconnect();
  }, [hasMore, loadingMore, all.length, school]);
  return (
    <aside
      aria-labelledby="conversations-heading"
      class={`${
        selected === null ? "flex" : "hidden md:flex"
      } min-h-0 w-full flex-col border-r border-slate-200 bg-white md:w-80 lg:w-96`}
      data-pane="list"
    >
      <div class="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2 id="conversations-heading" class="text-lg font-bold text-slate-900">
          {t("list.heading")}
          {total > 0 && <span class="sr-only">({t("list.unread", { count: total })})</span>}
        </h2>
        <RecipientSearch
          establishmentId={boot.establishmentId}
          canCreateGroups={boot.canCreateGroups}
          t={t}
          ready={ready}
          onOpened={(conversation) => {
            store.addConversation(conversation);
            navigateTo(store, conversation.id);
          }}
        />
      </div>
      {canAsk && (
        <div class="flex items-center justify-between gap-2 border-b border-slate-200 bg-blue-50 px-4 py-2 text-sm">
          <span class="text-slate-800">{t("notify.offer")}</span>
          <button
            type="button"
            onClick={async () => {
              await askForNotifications();
              setCanAsk(false);
            }}
            class={`min-h-[2.75rem] shrink-0 rounded-lg px-3 font-semibold text-blue-800 underline ${FOCUS_RING}`}
            data-enable-notifications
          >
            {t("notify.enable")}
          </button>
        </div>
      )}
      {schools.length > 1 && (
        <div
          role="group"
          aria-label={t("list.filter")}
          class="flex gap-1 overflow-x-auto border-b border-slate-200 px-3 py-2"
          data-school-filter
        >
          {[{ id: null, name: t("list.allSchools") }, ...schools].map((e) => {
            const unread = unreadIn(e.id);
            return (
              <button
                key={e.id ?? "all"}
                type="button"
                aria-pressed={school === e.id}
                onClick={() => setSchool(e.id)}
                class={`flex min-h-[2.75rem] shrink-0 items-center gap-1.5 whitespace-nowrap rounded-full px-3 text-sm font-medium ${
                  school === e.id
                    ? "bg-blue-700 text-white"
                    : "bg-slate-100 text-slate-800 hover:bg-slate-200"
                } ${FOCUS_RING}`}
                data-school-choice={e.id ?? "all"}
              >
                {e.name}
                {unread > 0 && (
                  <span
                    class={`rounded-full px-1.5 text-xs font-bold ${
                      school === e.id ? "bg-white text-blue-800" : "bg-blue-700 text-white"
                    }`}
                    data-school-unread={unread}
                  >
                    <span aria-hidden="true">{unread}</span>
                    <span class="sr-only">{t("list.unread", { count: unread })}</span>
                  </span>
                )}
              </button>
            );
          })}
        </div>
      )}
      {conversations.length === 0 && !hasMore
        ? <p class="p-4 text-sm text-slate-600">{t("list.empty")}</p>
        : (
          <ul class="min-h-0 flex-1 divide-y divide-slate-100 overflow-y-auto" data-conversation-list>
            {conversations.map((conversation) => (
              <ConversationItem
                key={conversation.id}
                conversation={conversation}
                selected={conversation.id === selected}
                href={conversationHref(boot.basePath, conversation.id)}
                userId={boot.user.id}
                now={now}
                locale={boot.locale}
                timeZone={timeZone}
                t={t}
                school={schools.length > 1 ? names.get(conversation.establishmentId) : undefined}
                onOpen={(event) => {
                  if (!isPlainClick(event)) return;
                  event.preventDefault();
                  navigateTo(store, conversation.id);
                }}
              />
            ))}
            {hasMore && (
              <li ref={more} class="p-2 text-center" data-load-more>
                <button
                  type="button"
                  disabled={loadingMore}
                  onClick={() => void store.loadMore()}
                  class={`min-h-[2.75rem] w-full rounded-lg text-sm font-medium text-blue-800 underline disabled:no-underline disabled:text-slate-600 ${FOCUS_RING}`}
                >
                  {loadingMore ? t("list.loadingMore") : t("list.more")}
                </button>
              </li>
            )}
          </ul>
        )}
    </aside>
  );
}
