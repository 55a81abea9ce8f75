import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatStore, ReadMark } from "../client/chat_store.ts";
import { useNow, useTimeZone } from "../client/clock.ts";
import { conversationHref, isPlainClick, navigateTo } from "../client/navigation.ts";
import type { ChatBoot, WireConversation } from "../client/types.ts";
import { useChatStore } from "../client/use_chat.ts";
import { useReadTracking } from "../client/use_read_tracking.ts";
import { useStickToBottom } from "../client/use_stick_to_bottom.ts";
import { useWebSocket } from "../client/use_web_socket.ts";
import { conversationName, participantRole } from "../components/ConversationItem.tsx";
import { DaySeparator } from "../components/DaySeparator.tsx";
import { MessageBubble } from "../components/MessageBubble.tsx";
import { MessageInput } from "../components/MessageInput.tsx";
import { ReadReceipt } from "../components/ReadReceipt.tsx";
import { FOCUS_RING } from "../components/styles.ts";
import { TypingIndicator } from "../components/TypingIndicator.tsx";
import { dayKey, formatDayLabel } from "../i18n/format.ts";
import { type Locale, type Translate, translator } from "../i18n/mod.ts";
import { formatAvailability } from "../i18n/hours.ts";
import { isWithinHours } from "../util/hours.ts";

/**
 * The chat pane: the selected conversation's history (older pages load when scrolling up), our
 * messages as they are sent, the typing indicator and the composer. New messages from others are
 * announced in a polite live region.
 */
export default function InstantChat({ boot }: { boot: ChatBoot }) {
  const t = translator(boot.locale);
  const store = useChatStore(boot);
  useWebSocket(store);
  const selected = store.selectedId.value;
  const conversation = store.conversation(selected);
  const [announcement, setAnnouncement] = useState("");
  const switched = useRef(false);
  const firstSelected = useRef(selected);
  if (selected !== firstSelected.current) switched.current = true;

  const incoming = store.lastIncoming.value;
  useEffect(() => {
    if (incoming === null) return;
    const body = incoming.body.length > 140 ? `${incoming.body.slice(0, 140)}…` : incoming.body;
    setAnnouncement(t("chat.announce", { name: incoming.senderName, body }));
  }, [incoming]);

  return (
    <section
      class={`${
        selected === null ? "hidden md:flex" : "flex"
      } relative min-h-0 min-w-0 flex-1 flex-col bg-slate-50`}
      aria-labelledby={conversation ? "chat-heading" : undefined}
      data-pane="chat"
      data-chat-open={selected !== null ? "" : undefined}
    >
      {selected !== null && conversation
        ? (
          <ChatPane
            key={selected}
            boot={boot}
            store={store}
            conversation={conversation}
            focus={switched.current}
          />
        )
        : (
          <div class="flex flex-1 items-center justify-center p-8">
            <p class="max-w-sm text-center text-slate-600">{t("chat.choose")}</p>
          </div>
        )}
      <div class="sr-only" aria-live="polite" aria-atomic="true" data-announcer>{announcement}</div>
    </section>
  );
}

interface PaneProps {
  boot: ChatBoot;
  store: ChatStore;
  conversation: WireConversation;
  /** Move the focus to the composer (the reader just chose this conversation). */
  focus: boolean;
}

function ChatPane({ boot, store, conversation, focus }: PaneProps) {
  const t = translator(boot.locale);
  const id = conversation.id;
  const connection = useWebSocket(store);
  const timeZone = useTimeZone(boot.timeZone);
  const now = useNow(60_000);
  const thread = store.thread(id);
  const messages = thread.messages.value;
  const outgoing = store.outbox.value.filter((o) => o.conversationId === id);
  const typists = store.typing.value[id] ?? [];
  const online = connection.state.value === "connected";
  // Sending follows the rules of the moment: the live mode (settings frames), the conversation's own
  // state from the server render, and the reason of a refused send.
  const silenced = boot.family === true &&
    store.modes.value[conversation.establishmentId] === "families_silenced";
  const blocked = silenced
    ? t("rules.familiesSilenced")
    : conversation.canSend === false && conversation.cannotSendReason === "not_allowed"
    ? t("rules.notAllowedSend")
    : store.refusals.value[id] ?? null;
  // Families are told before writing when staff of the conversation are outside their hours.
  const closed = boot.family === true
    ? (conversation.availability ?? []).filter((a) => !isWithinHours(a.hours, new Date(now)))
    : [];
  const notice = closed.length === 0 ? null : [
    ...closed.map((a) => formatAvailability(t, boot.locale, a.name, a.hours)),
    t("hours.delivered"),
  ].join(". ");
  const scroller = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLLIElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const [ready, setReady] = useState(false);
  // Where the reader stopped reading when they opened it (reading it moves readSeq on at once).
  const firstUnread = useRef(conversation.unread > 0 ? conversation.readSeq + 1 : null);

  const incomingCount = messages.reduce((n, m) => n + (m.senderId === boot.user.id ? 0 : 1), 0);
  const last = outgoing.at(-1)?.clientId ?? messages.at(-1)?.id;
  const stick = useStickToBottom(scroller, {
    firstKey: messages[0]?.id,
    lastKey: last,
    incoming: incomingCount,
  });
  useReadTracking(scroller, store, id, messages);

  useEffect(() => setReady(true), []);
  // Once the composer is enabled (it is disabled until hydrated, so it cannot take focus before).
  useEffect(() => {
    if (ready && focus) input.current?.focus();
  }, [ready]);

  // Infinite scroll upwards: the sentinel above the first message loads the page before it.
  const hasOlder = thread.hasOlder.value;
  useEffect(() => {
    const root = scroller.current;
    const sentinel = top.current;
    if (!root || !sentinel || !hasOlder) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void store.loadOlder(id);
    }, { root, rootMargin: "200px 0px 0px 0px" });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [id, hasOlder, messages[0]?.id]);

  const items: ComponentChildren[] = [];
  let previousDay: string | undefined;
  let previousSender: string | undefined;
  const day = (iso: string) => {
    const key = dayKey(new Date(iso), timeZone);
    if (key !== previousDay) {
      items.push(
        <DaySeparator
          key={`day-${key}`}
          dateTime={key}
          label={formatDayLabel(new Date(iso), new Date(now), boot.locale, timeZone, t)}
        />,
      );
      previousSender = undefined;
    }
    previousDay = key;
  };
  const common = { locale: boot.locale as Locale, timeZone, t };
  const receipt = receiptOf(conversation, boot.user.id, messages, store.readMarks.value[id] ?? {});
  for (const m of messages) {
    day(m.createdAt);
    const mine = m.senderId === boot.user.id;
    if (m.seq === firstUnread.current && !mine) {
      items.push(
        <li key="unread-marker" class="flex items-center gap-3 px-4 py-2" data-unread-marker>
          <span class="h-px flex-1 bg-blue-700" aria-hidden="true" />
          <span class="text-xs font-semibold uppercase tracking-wide text-blue-800">
            {t("chat.unreadMarker")}
          </span>
          <span class="h-px flex-1 bg-blue-700" aria-hidden="true" />
        </li>,
      );
    }
    items.push(
      <MessageBubble
        key={m.id}
        id={m.id}
        seq={m.seq}
        body={m.body}
        senderName={m.senderName}
        createdAt={m.createdAt}
        mine={mine}
        showName={previousSender !== m.senderId}
        {...common}
      />,
    );
    previousSender = m.senderId;
    if (receipt && m.seq === receipt.seq) {
      items.push(
        <ReadReceipt key="read-receipt" readers={receipt.readers} others={receipt.others} {...common} />,
      );
    }
  }
  for (const o of outgoing) {
    day(o.createdAt);
    items.push(
      <MessageBubble
        key={o.clientId}
        id={o.clientId}
        body={o.body}
        senderName={boot.user.name}
        createdAt={o.createdAt}
        mine
        showName={false}
        status={o.state}
        onRetry={() => store.retry(o.clientId)}
        {...common}
      />,
    );
  }

  return (
    <>
      <ChatHeader boot={boot} store={store} conversation={conversation} t={t} />
      {silenced && (
        <p
          role="status"
          class="bg-amber-100 px-4 py-2 text-sm font-medium text-amber-950"
          data-messaging-banner
        >
          {t("rules.familiesSilenced")}
        </p>
      )}
      <div
        ref={scroller}
        onScroll={stick.onScroll}
        tabIndex={0}
        role="log"
        aria-label={t("chat.history")}
        class={`min-h-0 flex-1 overflow-y-auto py-2 ${FOCUS_RING} focus-visible:ring-inset`}
        data-history
      >
        <ol class="flex flex-col">
          <li ref={top} class="py-2 text-center text-xs text-slate-600" data-history-top>
            {thread.loading.value
              ? t("chat.loadingOlder")
              : thread.failed.value
              ? t("chat.loadFailed")
              : !hasOlder && messages.length > 0
              ? t("chat.beginning")
              : ""}
          </li>
          {items}
        </ol>
        {messages.length === 0 && outgoing.length === 0 && !thread.loading.value && (
          <p class="p-6 text-center text-slate-600">{t("chat.empty")}</p>
        )}
      </div>
      {stick.unseen > 0 && (
        <button
          type="button"
          onClick={stick.jumpToBottom}
          class={`absolute bottom-36 left-1/2 -translate-x-1/2 rounded-full bg-blue-700 px-4 py-2 text-sm font-semibold text-white shadow-lg ${FOCUS_RING}`}
          data-jump-to-new
        >
          ↓ {t("chat.jumpToNew", { count: stick.unseen })}
        </button>
      )}
      <TypingIndicator typists={typists} t={t} />
      <MessageInput
        t={t}
        ready={ready}
        blocked={blocked}
        notice={notice}
        queued={!online}
        inputRef={input}
        onSend={(body) => {
          stick.followNextAppend();
          store.send(id, body);
        }}
        onTyping={() => store.noteTyping(id)}
        onStopTyping={() => store.stopTyping(id)}
      />
    </>
  );
}

/**
 * Where the read receipt goes: in a two-person conversation under our last message the other has
 * read; in a group under our last message, with who has read it.
 */
function receiptOf(
  conversation: WireConversation,
  userId: string,
  messages: readonly { seq: number; senderId: string }[],
  marks: Record<string, ReadMark>,
) {
  const others = conversation.participants.filter((p) => p.id !== userId);
  const mine = messages.filter((m) => m.senderId === userId);
  if (others.length === 0 || mine.length === 0) return undefined;
  if (others.length === 1) {
    const mark = marks[others[0]!.id];
    const seen = mark ? mine.filter((m) => m.seq <= mark.seq).at(-1) : undefined;
    if (!mark || !seen) return undefined;
    return { seq: seen.seq, others: 1, readers: [{ name: others[0]!.name, at: mark.at }] };
  }
  const last = mine.at(-1)!;
  const readers = others.filter((p) => (marks[p.id]?.seq ?? 0) >= last.seq)
    .map((p) => ({ name: p.name, at: marks[p.id]?.at ?? null }));
  return readers.length === 0 ? undefined : { seq: last.seq, others: others.length, readers };
}

function ChatHeader(
  { boot, store, conversation, t }: {
    boot: ChatBoot;
    store: ChatStore;
    conversation: WireConversation;
    t: Translate;
  },
) {
  const others = conversation.participants.filter((p) => p.id !== boot.user.id);
  return (
    <header class="flex items-center gap-3 border-b border-slate-200 bg-white px-3 py-2">
      <a
        href={conversationHref(boot.basePath, null)}
        onClick={(event) => {
          if (!isPlainClick(event)) return;
          event.preventDefault();
          navigateTo(store, null);
        }}
        class={`flex h-11 w-11 shrink-0 items-center justify-center rounded-full text-xl font-bold text-blue-800 hover:bg-slate-100 md:hidden ${FOCUS_RING}`}
        title={t("chat.back")}
        data-back
      >
        <span aria-hidden="true">←</span>
        <span class="sr-only">{t("chat.back")}</span>
      </a>
      <div class="min-w-0">
        <h2 id="chat-heading" class="truncate text-base font-bold text-slate-900" data-chat-title>
          {conversationName(conversation, boot.user.id)}
        </h2>
        <p class="truncate text-xs text-slate-600" data-chat-subtitle>
          {others.length === 1 && !conversation.title
            // The title already is their name: say who they are.
            ? participantRole(others[0]!, t)
            : others.map((p) => `${p.name} (${participantRole(p, t)})`).join(", ")}
        </p>
      </div>
    </header>
  );
}
