/** The two-pane messagerie page shared by both portals (the layout draws the frame). */
import { Head, type PageProps } from "../../../framework/mod.ts";
import ConversationList from "../../../islands/ConversationList.tsx";
import InstantChat from "../../../islands/InstantChat.tsx";
import { translator } from "../../../i18n/mod.ts";
import type { MessagerieData } from "./messagerie.ts";
import type { SignedInPageState } from "./state.ts";

export function MessageriePage({ data, state }: PageProps<MessagerieData, SignedInPageState>) {
  const t = translator(state.locale);
  const unread = data.boot?.conversations.reduce((n, c) => n + c.unread, 0) ?? 0;
  const title = t("title.messagerie");
  return (
    <>
      <Head>
        <title>{unread > 0 ? t("title.unread", { count: unread, title }) : title}</title>
        {/* On a phone, inside a conversation, the portal header gives its room to the chat. */}
        <style>
          {`@media (max-width: 767px) { body:has([data-chat-open]) [data-portal-header] { display: none; } }`}
        </style>
      </Head>
      <h1 class="sr-only">{t("title.messagerie")}</h1>
      {data.boot
        ? (
          <>
            <ConversationList boot={data.boot} />
            <InstantChat boot={data.boot} />
          </>
        )
        : <p class="m-auto max-w-md p-8 text-center text-slate-700">{t("portal.none")}</p>}
    </>
  );
}
