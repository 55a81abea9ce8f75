import type { Typist } from "../client/chat_store.ts";
import type { Translate } from "../i18n/mod.ts";

/** Who is typing ("Marc écrit…"); announced politely to screen readers. Empty when nobody is. */
export function TypingIndicator({ typists, t }: { typists: readonly Typist[]; t: Translate }) {
  const [first, second] = typists;
  const text = first === undefined
    ? ""
    : second === undefined
    ? t("typing.one", { name: first.name })
    : typists.length === 2
    ? t("typing.two", { first: first.name, second: second.name })
    : t("typing.many");
  return (
    <p
      class="h-6 px-4 text-sm italic text-slate-600"
      aria-live="polite"
      aria-atomic="true"
      data-typing-indicator
    >
      {text}
    </p>
  );
}
