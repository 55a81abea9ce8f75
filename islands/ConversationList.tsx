import { useEffect, useState } from "preact/hooks";
import { useNow, useTimeZone } from "../client/clock.ts";
import { conversationHref, isPlainClick, navigateTo } from "../client/navigation.ts";
import type { ChatBoot } from "../client/types.ts";
import { useChatStore } from "../client/use_chat.ts";
import { useWebSocket } from "../client/use_web_socket.ts";
import { ConversationItem } from "../components/ConversationItem.tsx";
import { RecipientSearch } from "../components/RecipientSearch.tsx";
import { translator } from "../i18n/mod.ts";

/**
 * The list pane: conversations of the current establishment, most recent first, kept live by the
 * socket (new messages reorder it and raise badges; new conversations appear), the "+" search,
 * and the unread count in the document title. On narrow screens it hides while a conversation
 * is shown.
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
  }, [total]);

  const conversations = store.conversations.value;
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
          t={t}
          ready={ready}
          onOpened={(conversation) => {
            store.addConversation(conversation);
            navigateTo(store, conversation.id);
          }}
        />
      </div>
      {conversations.length === 0
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
                onOpen={(event) => {
                  if (!isPlainClick(event)) return;
                  event.preventDefault();
                  navigateTo(store, conversation.id);
                }}
              />
            ))}
          </ul>
        )}
    </aside>
  );
}
