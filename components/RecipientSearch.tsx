import { useEffect, useRef, useState } from "preact/hooks";
import { affiliationLabel } from "../i18n/affiliation.ts";
import { isSessionEnded, openConversation, searchRecipients } from "../client/api.ts";
import type { Recipient, WireConversation } from "../client/types.ts";
import type { Translate } from "../i18n/mod.ts";
import { FOCUS_RING, PRIMARY_BUTTON } from "./styles.ts";

/** Props of {@linkcode RecipientSearch}. */
export interface RecipientSearchProps {
  establishmentId: string;
  t: Translate;
  /** The existing or new conversation with the chosen person. */
  onOpened(conversation: WireConversation): void;
  /** Disabled until the island is interactive. */
  ready: boolean;
  /** Staff: several people and a title make a group conversation. */
  canCreateGroups?: boolean;
}

/** Shortest query sent: one letter would list half the school. */
export const MIN_QUERY = 2;

/** Wait after the last keystroke before searching. */
const DEBOUNCE_MS = 200;

/**
 * The "+" button and its people search: an ARIA 1.2 combobox over `GET /api/recipients`, queried
 * as you type (debounced; a newer query aborts the older request), navigable with the arrows,
 * Enter to choose and Escape to close. Choosing opens the conversation with that person,
 * creating it if needed.
 */
export function RecipientSearch(
  { establishmentId, t, onOpened, ready, canCreateGroups = false }: RecipientSearchProps,
) {
  const [open, setOpen] = useState(false);
  const [group, setGroup] = useState(false);
  const [members, setMembers] = useState<Recipient[]>([]);
  const [title, setTitle] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Recipient[]>([]);
  const [active, setActive] = useState(-1);
  const [phase, setPhase] = useState<"idle" | "short" | "loading" | "done" | "failed" | "openFailed">(
    "idle",
  );
  const input = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  // A click outside closes the dialog (the + button toggles it itself).
  useEffect(() => {
    if (!open) return;
    const outside = (event: MouseEvent) => {
      const target = event.target as Node | null;
      if (target && !box.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);

  useEffect(() => {
    const q = query.trim();
    if (!open || q === "") {
      setResults([]);
      setPhase("idle");
      return;
    }
    if ([...q].length < MIN_QUERY) {
      setResults([]);
      setPhase("short");
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

  const create = async (people: Recipient[], groupTitle?: string) => {
    try {
      const conversation = await openConversation(establishmentId, people.map((p) => p.id), groupTitle);
      setOpen(false);
      setQuery("");
      setMembers([]);
      setTitle("");
      setGroup(false);
      onOpened(conversation);
    } catch (error) {
      if (isSessionEnded(error)) return;
      console.warn("opening the conversation failed", error);
      setPhase("openFailed");
    }
  };

  const choose = (person: Recipient | undefined) => {
    if (!person) return;
    if (!group) return void create([person]);
    // Group mode: the person joins the chosen ones; the search starts again for the next.
    if (!members.some((m) => m.id === person.id)) setMembers([...members, person]);
    setQuery("");
    input.current?.focus();
  };

  const status = phase === "short"
    ? t("search.short", { count: MIN_QUERY })
    : phase === "loading"
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
        class={`flex h-11 w-11 items-center justify-center rounded-full bg-blue-700 text-2xl font-bold leading-none text-white hover:bg-blue-800 disabled:bg-slate-400 ${FOCUS_RING}`}
        data-new-conversation
      >
        <span aria-hidden="true">+</span>
      </button>
      {open && (
        <div
          id="recipient-search"
          ref={box}
          class="absolute right-0 z-20 mt-2 w-80 max-w-[calc(100vw-1.5rem)] rounded-xl bg-white p-3 shadow-xl ring-1 ring-slate-300"
          onKeyDown={(event) => {
            if (event.key === "Escape") {
              event.preventDefault();
              close();
            }
          }}
        >
          {canCreateGroups && (
            <label class="mb-2 flex min-h-[2.75rem] items-center gap-2 text-sm text-slate-900">
              <input
                type="checkbox"
                checked={group}
                onChange={(event) => setGroup(event.currentTarget.checked)}
                class={`h-5 w-5 ${FOCUS_RING}`}
                data-group-toggle
              />
              {t("search.group")}
            </label>
          )}
          {group && (
            <>
              <label for="group-title" class="block text-sm font-semibold text-slate-900">
                {t("search.groupTitle")}
              </label>
              <input
                id="group-title"
                type="text"
                maxLength={200}
                value={title}
                onInput={(event) => setTitle(event.currentTarget.value)}
                class={`mb-2 mt-1 w-full rounded-lg border border-slate-400 px-3 py-2 text-slate-900 ${FOCUS_RING}`}
              />
              {members.length > 0 && (
                <ul
                  class="mb-2 flex flex-wrap gap-1"
                  aria-label={t("search.groupMembers")}
                  data-group-members
                >
                  {members.map((m) => (
                    <li key={m.id}>
                      <button
                        type="button"
                        onClick={() => setMembers(members.filter((x) => x.id !== m.id))}
                        aria-label={t("search.removeMember", { name: m.name })}
                        class={`min-h-[2.75rem] rounded-full bg-blue-50 px-3 text-sm text-blue-900 ring-1 ring-blue-200 ${FOCUS_RING}`}
                      >
                        {m.name} <span aria-hidden="true">×</span>
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
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
                  {affiliationLabel(person.role, person.affiliation, t)} · {person.email}
                </span>
              </li>
            ))}
          </ul>
          <p class="mt-1 text-sm text-slate-700" role="status" aria-live="polite">{status}</p>
          {group && (
            <button
              type="button"
              disabled={members.length < 2 || title.trim() === ""}
              onClick={() => void create(members, title.trim())}
              class={`mt-2 w-full ${PRIMARY_BUTTON}`}
              data-create-group
            >
              {t("search.createGroup", { count: members.length })}
            </button>
          )}
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
