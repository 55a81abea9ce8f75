import type { Locale, Translate } from "../i18n/mod.ts";
import { formatFull, formatTime } from "../i18n/format.ts";
import { LinkifiedText } from "./LinkifiedText.tsx";
import { FOCUS_RING } from "./styles.ts";

/** Props of {@linkcode MessageBubble}. */
export interface MessageBubbleProps {
  body: string;
  senderName: string;
  createdAt: string;
  /** Ours: right-aligned and dark; theirs: left-aligned, light, with the sender's name. */
  mine: boolean;
  /** Show the sender's name (theirs, in group conversations or after someone else spoke). */
  showName: boolean;
  /** Stored messages have a seq (read tracking observes it); outgoing ones do not yet. */
  seq?: number;
  id: string;
  /** For messages still in our outbox. */
  status?: "queued" | "pending" | "failed";
  onRetry?: () => void;
  locale: Locale;
  timeZone: string;
  t: Translate;
}

/** One message. The body is text (links made safe), long words wrap. */
export function MessageBubble(props: MessageBubbleProps) {
  const { mine, t, status } = props;
  const date = new Date(props.createdAt);
  const time = formatTime(date, props.locale, props.timeZone);
  const statusText = status === "pending"
    ? t("chat.pending")
    : status === "queued"
    ? t("chat.queued")
    : status === "failed"
    ? t("chat.failed")
    : undefined;
  const bubble = mine
    ? "bg-blue-700 text-white rounded-br-sm"
    : "bg-white text-slate-900 ring-1 ring-slate-200 rounded-bl-sm";
  return (
    <li
      class={`flex ${mine ? "justify-end" : "justify-start"} px-4 py-0.5`}
      data-message-id={props.id}
      data-seq={props.seq}
      data-mine={mine ? "true" : "false"}
      data-status={status}
    >
      <div
        class={`max-w-[85%] md:max-w-[70%] min-w-0 rounded-2xl px-3 py-2 shadow-sm ${bubble} ${
          status === "failed" ? "ring-2 ring-red-600" : ""
        } ${status === "pending" || status === "queued" ? "opacity-80" : ""}`}
      >
        <p class={`text-xs font-semibold ${props.showName && !mine ? "text-blue-800" : "sr-only"}`}>
          {mine ? t("chat.you") : props.senderName}
        </p>
        <p class="whitespace-pre-wrap break-words text-[15px] leading-snug" data-body>
          <LinkifiedText text={props.body} linkClass={mine ? "text-white" : "text-blue-800"} />
        </p>
        <p
          class={`mt-1 flex items-center justify-end gap-2 text-xs ${
            mine ? "text-blue-100" : "text-slate-600"
          }`}
        >
          <time dateTime={props.createdAt} title={formatFull(date, props.locale, props.timeZone)}>
            {time}
          </time>
          {statusText && (
            <span class={status === "failed" ? "font-semibold" : ""} data-status-text>
              · {statusText}
            </span>
          )}
        </p>
        {status === "failed" && props.onRetry && (
          <button
            type="button"
            onClick={props.onRetry}
            class={`mt-1 rounded bg-white px-2 py-0.5 text-xs font-semibold text-red-800 ${FOCUS_RING}`}
          >
            {t("chat.retry")}
          </button>
        )}
      </div>
    </li>
  );
}
