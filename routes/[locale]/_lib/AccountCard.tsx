/**
 * The frame and fields shared by the signed-out account pages (setup, forgotten password, new password,
 * invitation): the app's name above one white card with a heading, an alert for a refused submission,
 * and the new-password field with its length hint.
 */
import type { ComponentChildren } from "preact";
import { Head } from "@/framework/mod.ts";
import { MIN_PASSWORD_LENGTH } from "@/domain/schemas.ts";
import { type Locale, translator } from "@/i18n/mod.ts";
import { FOCUS_RING } from "@/components/styles.ts";

/** The `?token=` of a single-use link as these pages receive it (bounded; the domain checks its shape). */
export function tokenOf(url: URL): string {
  return (url.searchParams.get("token") ?? "").slice(0, 200);
}

/** Text inputs and selects of these pages. */
export const FIELD_CLASS =
  `mt-1 block w-full rounded-lg border border-slate-400 px-3 py-2 text-slate-900 ${FOCUS_RING}`;
/** Labels of these pages. */
export const LABEL_CLASS = "mt-4 block text-sm font-semibold text-slate-900";
/** Links of these pages. */
export const LINK_CLASS = `font-medium text-blue-800 underline ${FOCUS_RING}`;

/** The page: `title` in the tab, `heading` on the card, `below` under it (a language or back link). */
export function AccountCard(
  props: {
    locale: Locale;
    title: string;
    heading: string;
    children: ComponentChildren;
    below?: ComponentChildren;
    wide?: boolean;
  },
) {
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-12">
      <Head>
        <title>{props.title}</title>
      </Head>
      <div class={`w-full ${props.wide ? "max-w-md" : "max-w-sm"}`}>
        <p class="text-center text-3xl font-extrabold tracking-tight text-blue-800">
          {translator(props.locale)("app.name")}
        </p>
        <div class="mt-8 rounded-2xl bg-white p-6 shadow">
          <h1 class="text-xl font-bold text-slate-900">{props.heading}</h1>
          {props.children}
        </div>
        {props.below && <p class="mt-6 text-center text-sm">{props.below}</p>}
      </div>
    </main>
  );
}

/** Why a submission was refused; `id` is what the fields' `aria-describedby` names. */
export function FormAlert(props: { id: string; message: string }) {
  return (
    <p
      role="alert"
      id={props.id}
      class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-800"
    >
      {props.message}
    </p>
  );
}

/** The sign-in email input (`name="email"`), shared by the login and the forgotten-password forms. */
export function EmailField(props: { label: string; value: string; errorId?: string | undefined }) {
  return (
    <>
      <label class={LABEL_CLASS} for="email">{props.label}</label>
      <input
        id="email"
        name="email"
        type="email"
        autocomplete="username"
        required
        value={props.value}
        aria-describedby={props.errorId}
        class={FIELD_CLASS}
      />
    </>
  );
}

/** The new-password input (`name="password"`) with its hint; `errorId` when an alert explains a refusal. */
export function NewPasswordField(props: { label: string; hint: string; errorId?: string }) {
  return (
    <>
      <label class={LABEL_CLASS} for="password">{props.label}</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="new-password"
        required
        minLength={MIN_PASSWORD_LENGTH}
        aria-describedby={props.errorId ?? "password-hint"}
        class={FIELD_CLASS}
      />
      <p id="password-hint" class="mt-1 text-sm text-slate-600">{props.hint}</p>
    </>
  );
}
