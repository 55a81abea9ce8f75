import { useEffect, useRef, useState } from "preact/hooks";
import { isSessionEnded, openConversation, searchRecipients } from "../client/api.ts";
import type { Recipient, WireConversation } from "../client/types.ts";
import type { Translate } from "../i18n/mod.ts";
import { FOCUS_RING } from "./styles.ts";

/** Props of {@linkcode RecipientSearch}. */
export interface RecipientSearchProps {
  establishmentId: string;
  t: Translate;
  /** The existing or new conversation with the chosen person. */
  onOpened(conversation: WireConversation): void;
  /** Disabled until the island is interactive. */
  ready: boolean;
}

/** Wait after the last keystroke before searching. */
const DEBOUNCE_MS = 200;

/**
 * The "+" button and its people search: an ARIA 1.2 combobox over `GET /api/recipients`, queried
 * as you type (debounced; a newer query aborts the older request), navigable with the arrows,
 * Enter to choose and Escape to close. Choosing opens the conversation with that person,
 * creating it if needed.
 */
export function RecipientSearch({ establishmentId, t, onOpened, ready }: RecipientSearchProps) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Recipient[]>([]);
  const [active, setActive] = useState(-1);
  const [phase, setPhase] = useState<"idle" | "loading" | "done" | "failed" | "openFailed">("idle");
  const input = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  useEffect(() => {
    const q = query.trim();
    if (!open || q === "") {
      setResults([]);
      setPhase("idle");
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      setPhase("loading");
      try {
        const found = await searchRecipients(establishmentId, q, controller.signal);
        setResults(found);
        setActive(found.length > 0 ? 0 : -1);
        setPhase("done");
      } catch (error) {
        if (!controller.signal.aborted && !isSessionEnded(error)) {
          console.warn("recipient search failed", error);
          setPhase("failed");
        }
      }
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query, open, establishmentId]);

  const close = () => {
    setOpen(false);
    setQuery("");
    setActive(-1);
    button.current?.focus();
  };

  const choose = async (person: Recipient | undefined) => {
    if (!person) return;
    try {
      const conversation = await openConversation(establishmentId, [person.id]);
      setOpen(false);
      setQuery("");
      onOpened(conversation);
    } catch (error) {
      if (isSessionEnded(error)) return;
      console.warn("opening the conversation failed", error);
      setPhase("openFailed");
    }
  };

  const status = phase === "loading"
    ? t("search.loading")
    : phase === "failed"
    ? t("search.failed")
    : phase === "openFailed"
    ? t("search.openFailed")
    : phase === "done"
    ? (results.length === 0 ? t("search.none", { query: query.trim() }) : t("search.results", {
      count: results.length,
    }))
    : "";

  return (
    <div class="relative">
      <button
        ref={button}
        type="button"
        disabled={!ready}
        aria-expanded={open}
        aria-controls="recipient-search"
        aria-label={t("search.open")}
        title={t("search.open")}
        onClick={() => open ? close() : setOpen(true)}
        class={`flex h-9 w-9 items-center justify-center rounded-full bg-blue-700 text-2xl font-bold leading-none text-white hover:bg-blue-800 disabled:bg-slate-400 ${FOCUS_RING}`}
        data-new-conversation
      >
        <span aria-hidden="true">+</span>
      </button>
      {open && (
        <div
          id="recipient-search"
          class="absolute right-0 z-20 mt-2 w-80 max-w-[calc(100vw-1.5rem)] rounded-xl bg-white p-3 shadow-xl ring-1 ring-slate-300"
          onKeyDown={(event) => {
            if (event.key === "Escape") {
              event.preventDefault();
              close();
            }
          }}
        >
          <label for="recipient-input" class="block text-sm font-semibold text-slate-900">
            {t("search.label")}
          </label>
          <input
            id="recipient-input"
            ref={input}
            type="text"
            role="combobox"
            autocomplete="off"
            spellcheck={false}
            aria-autocomplete="list"
            aria-expanded={results.length > 0}
            aria-controls="recipient-listbox"
            aria-describedby="recipient-hint"
            aria-activedescendant={active >= 0 ? `recipient-${results[active]?.id}` : undefined}
            placeholder={t("search.placeholder")}
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === "ArrowDown" && results.length > 0) {
                event.preventDefault();
                setActive((active + 1) % results.length);
              } else if (event.key === "ArrowUp" && results.length > 0) {
                event.preventDefault();
                setActive((active - 1 + results.length) % results.length);
              } else if (event.key === "Enter") {
                event.preventDefault();
                void choose(results[active]);
              }
            }}
            class={`mt-1 w-full rounded-lg border border-slate-400 px-3 py-2 text-slate-900 placeholder-slate-500 ${FOCUS_RING}`}
          />
          <p id="recipient-hint" class="mt-1 text-xs text-slate-600">{t("search.hint")}</p>
          <ul
            id="recipient-listbox"
            role="listbox"
            aria-label={t("search.label")}
            class="mt-2 max-h-72 overflow-y-auto"
          >
            {results.map((person, index) => (
              <li
                key={person.id}
                id={`recipient-${person.id}`}
                role="option"
                aria-selected={index === active}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => void choose(person)}
                class={`cursor-pointer rounded-lg px-3 py-2 ${
                  index === active ? "bg-blue-700 text-white" : "text-slate-900 hover:bg-slate-100"
                }`}
                data-recipient={person.email}
              >
                <span class="block font-semibold">{person.name}</span>
                <span class={`block text-xs ${index === active ? "text-blue-100" : "text-slate-600"}`}>
                  {t(`role.${person.role}`)} · {person.email}
                </span>
              </li>
            ))}
          </ul>
          <p class="mt-1 text-sm text-slate-700" role="status" aria-live="polite">{status}</p>
          <button
            type="button"
            onClick={close}
            class={`mt-2 text-sm font-medium text-blue-800 underline ${FOCUS_RING}`}
          >
            {t("search.close")}
          </button>
        </div>
      )}
    </div>
  );
}
