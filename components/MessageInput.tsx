import type { Ref } from "preact";
import { useState } from "preact/hooks";
import type { Translate } from "../i18n/mod.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "./styles.ts";

/** Longest body the server accepts, in code points (contract). */
export const MAX_BODY = 4000;

/** Props of {@linkcode MessageInput}. */
export interface MessageInputProps {
  t: Translate;
  onSend(body: string): void;
  /** Called on each edit that leaves text in the box. */
  onTyping(): void;
  /** Called when the box is emptied or loses focus. */
  onStopTyping(): void;
  /** Offline: messages will be queued (the input stays usable). */
  queued: boolean;
  /** Disabled until the island is interactive (no keystroke is lost to a dead form). */
  ready: boolean;
  inputRef?: Ref<HTMLTextAreaElement>;
  /** Why sending is not possible now (the composer disables itself and says so); absent when it is. */
  blocked?: string | null;
  /** Shown above the box before sending (e.g. when staff answer), without disabling anything. */
  notice?: string | null;
}

/** Height of six lines of the composer (15 px text, snug leading, padding): it grows up to that, then scrolls. */
const MAX_HEIGHT_PX = 6 * 20 + 18;

/** Fits the box to its text, wrapped lines included, up to six lines. */
function fit(el: HTMLTextAreaElement): void {
  el.style.height = "auto";
  el.style.height = `${Math.min(el.scrollHeight + 2, MAX_HEIGHT_PX)}px`;
}

/** The composer: Enter sends, Shift+Enter adds a line; grows up to six lines as text wraps. */
export function MessageInput(props: MessageInputProps) {
  const { t } = props;
  const [text, setText] = useState("");
  const length = [...text].length;
  const tooLong = length > MAX_BODY;
  const empty = text.trim() === "";
  const blocked = props.blocked ?? null;

  const submit = () => {
    if (empty || tooLong) return;
    props.onSend(text);
    setText("");
    const el = document.getElementById("message-input");
    if (el instanceof HTMLTextAreaElement) requestAnimationFrame(() => fit(el));
  };

  return (
    <form
      class="border-t border-slate-200 bg-white px-3 pb-3 pt-2"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {props.notice && (
        <p class="mb-2 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900" data-availability>
          {props.notice}
        </p>
      )}
      <label for="message-input" class="sr-only">{t("input.label")}</label>
      <div class="flex items-end gap-2">
        <textarea
          id="message-input"
          ref={props.inputRef}
          value={text}
          rows={1}
          placeholder={t("input.placeholder")}
          aria-describedby="message-input-hint"
          aria-invalid={tooLong ? "true" : undefined}
          disabled={!props.ready || blocked !== null}
          onInput={(event) => {
            const value = event.currentTarget.value;
            setText(value);
            fit(event.currentTarget);
            if (value.trim() === "") props.onStopTyping();
            else props.onTyping();
          }}
          onBlur={() => props.onStopTyping()}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              submit();
            }
          }}
          class={`min-h-[2.75rem] flex-1 resize-none overflow-y-auto rounded-xl leading-5 border border-slate-400 px-3 py-2 text-[15px] text-slate-900 placeholder-slate-500 ${FOCUS_RING}`}
        />
        <button
          type="submit"
          class={PRIMARY_BUTTON}
          disabled={!props.ready || empty || tooLong || blocked !== null}
        >
          {t("input.send")}
        </button>
      </div>
      <p
        id="message-input-hint"
        class={`mt-1 text-xs ${tooLong || blocked ? "text-red-700" : "text-slate-600"}`}
        data-send-blocked={blocked ? "" : undefined}
        role={blocked ? "status" : undefined}
      >
        {blocked
          ? blocked
          : tooLong
          ? t("input.tooLong", { count: length, max: MAX_BODY })
          : props.queued
          ? t("input.queuedHint")
          : t("input.hint")}
      </p>
    </form>
  );
}
