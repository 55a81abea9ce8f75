import { useEffect, useState } from "preact/hooks";
import type { ChatBoot } from "../client/types.ts";
import { useChatStore } from "../client/use_chat.ts";
import { useWebSocket } from "../client/use_web_socket.ts";
import { FOCUS_RING } from "../components/styles.ts";
import { translator } from "../i18n/mod.ts";

const STYLES = {
  connecting: { dot: "bg-slate-500", text: "text-slate-700" },
  connected: { dot: "bg-green-600", text: "text-green-800" },
  reconnecting: { dot: "bg-amber-500", text: "text-amber-900" },
  offline: { dot: "bg-red-600", text: "text-red-800" },
  too_many: { dot: "bg-red-600", text: "text-red-800" },
} as const;

/**
 * The connection's state, always visible as text and colour: connected, reconnecting with a
 * countdown (and a button to retry at once), or offline.
 */
export default function ConnectionStatus({ boot }: { boot: ChatBoot }) {
  const t = translator(boot.locale);
  const connection = useWebSocket(useChatStore(boot));
  const state = connection.state.value;
  const retryAt = connection.retryAt.value;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (retryAt === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [retryAt]);

  const seconds = retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));
  const text = state === "connected"
    ? t("status.connected")
    : state === "offline"
    ? t("status.offline")
    : state === "too_many"
    ? t("status.tooMany")
    : state === "reconnecting"
    ? (seconds > 0 ? t("status.reconnecting", { count: seconds }) : t("status.reconnectingNow"))
    : t("status.connecting");
  // Announced once per state change; the ticking countdown is only shown.
  const spoken = state === "reconnecting" ? t("status.reconnectingNow") : text;
  const style = STYLES[state];
  return (
    // A fixed width: the countdown and the retry button never resize the header around it.
    <div
      class="flex w-[14.5rem] items-center gap-2 overflow-hidden whitespace-nowrap text-sm"
      data-connection-status={state}
    >
      <span class="sr-only" role="status">{t("status.label")} — {spoken}</span>
      <span class={`h-2.5 w-2.5 shrink-0 rounded-full ${style.dot}`} aria-hidden="true" />
      <span
        class={`min-w-0 truncate font-medium ${style.text}`}
        aria-hidden="true"
        data-status-text
        title={text}
      >
        {text}
      </span>
      {(((state === "reconnecting" || state === "offline") && retryAt !== null) || state === "too_many") && (
        <button
          type="button"
          onClick={() => connection.retryNow()}
          class={`rounded px-1.5 text-xs font-semibold text-blue-800 underline ${FOCUS_RING}`}
        >
          {t("status.retryNow")}
        </button>
      )}
    </div>
  );
}
