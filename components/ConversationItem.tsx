import type { Participant, WireConversation } from "../client/types.ts";
import type { Locale, Translate } from "../i18n/mod.ts";
import { formatFull, formatRelative } from "../i18n/format.ts";
import { affiliationLabel } from "../i18n/affiliation.ts";
import { FOCUS_RING } from "./styles.ts";

/** Props of {@linkcode ConversationItem}. */
export interface ConversationItemProps {
  conversation: WireConversation;
  selected: boolean;
  href: string;
  userId: string;
  now: number;
  locale: Locale;
  timeZone: string;
  t: Translate;
  onOpen?: (event: MouseEvent) => void;
  /** The conversation's school, shown when the inbox gathers several. */
  school?: string;
}

/**
 * A participant's role as people read it — with their classes and children when they have any
 * ("parent de Léa, CM2 A") — saying when their account is deactivated.
 */
export function participantRole(p: Participant, t: Translate): string {
  const role = p.affiliation ? affiliationLabel(p.role, p.affiliation, t) : t(`role.${p.role}`);
  return p.deactivated ? t("role.deactivated", { role }) : role;
}

/** The conversation's name: its title, else the other participants. */
export function conversationName(conversation: WireConversation, userId: string): string {
  if (conversation.title) return conversation.title;
  const others = conversation.participants.filter((p) => p.id !== userId).map((p) => p.name);
  return others.join(", ") || conversation.participants.map((p) => p.name).join(", ");
}

/** One row of the conversation list: who, the last message, when, and the unread count. */
export function ConversationItem(props: ConversationItemProps) {
  const { conversation: c, t } = props;
  const name = conversationName(c, props.userId);
  const last = c.lastMessage;
  const group = c.participants.length > 2;
  const author = last === null
    ? undefined
    : last.senderId === props.userId
    ? t("list.you")
    : group
    ? last.senderName.split(" ")[0]
    : undefined;
  const preview = last === null
    ? t("list.noMessage")
    : author === undefined
    ? last.body
    : t("list.author", { name: author, body: last.body });
  const when = new Date(last?.createdAt ?? c.updatedAt);
  const others = c.participants.filter((p) => p.id !== props.userId);
  const roles = [...new Set(others.map((p) => participantRole(p, t)))].join(", ");
  return (
    <li>
      <a
        href={props.href}
        onClick={props.onOpen}
        aria-current={props.selected ? "page" : undefined}
        data-conversation-id={c.id}
        class={`flex gap-3 border-l-4 px-3 py-3 ${
          props.selected ? "border-blue-700 bg-blue-50" : "border-transparent hover:bg-slate-100"
        } ${FOCUS_RING} focus-visible:ring-inset`}
      >
        <span
          aria-hidden="true"
          class="mt-0.5 flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-slate-200 font-semibold text-slate-700"
        >
          {initials(name)}
        </span>
        <span class="min-w-0 flex-1">
          <span class="flex items-baseline justify-between gap-2">
            <span class={`truncate ${c.unread > 0 ? "font-bold" : "font-semibold"} text-slate-900`} data-name>
              {name}
            </span>
            <time
              dateTime={when.toISOString()}
              title={formatFull(when, props.locale, props.timeZone)}
              class="shrink-0 text-xs text-slate-600"
            >
              {formatRelative(when, new Date(props.now), props.locale, props.timeZone, t)}
            </time>
          </span>
          <span class="flex min-w-0 items-center gap-1.5 text-xs text-slate-600">
            {props.school && (
              <span class="shrink-0 rounded bg-slate-100 px-1.5 py-px font-medium text-slate-700" data-school>
                {props.school}
              </span>
            )}
            <span class="truncate">
              {group ? t("list.groupOf", { count: c.participants.length }) : roles}
            </span>
          </span>
          <span class="mt-0.5 flex items-center justify-between gap-2">
            <span
              class={`truncate text-sm ${c.unread > 0 ? "text-slate-900" : "text-slate-600"}`}
              data-preview
            >
              {preview}
            </span>
            {c.unread > 0 && (
              <span
                class="shrink-0 rounded-full bg-blue-700 px-2 py-0.5 text-xs font-bold text-white"
                data-unread={c.unread}
              >
                <span aria-hidden="true">{c.unread}</span>
                <span class="sr-only">{t("list.unread", { count: c.unread })}</span>
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}

function initials(name: string): string {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]!.toUpperCase()).join("");
}
