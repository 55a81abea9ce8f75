/** `ctx.state` of the localized pages, filled by `routes/[locale]/_middleware.ts`. */
import type { Me } from "@/domain/auth.ts";
import type { Locale } from "@/i18n/mod.ts";
import type { AppState, SignedInState } from "@/server/state.ts";
import { createDefine } from "@/framework/mod.ts";

/** Every page under `/[locale]/`. */
export interface PageState extends AppState {
  locale: Locale;
  /** The reader's time zone as the browser reported it (cookie), else the default. */
  timeZone: string;
  me?: Me;
}

/** Pages behind the sign-in check. */
export type SignedInPageState = PageState & SignedInState & { me: Me };

/** Typed route helpers for every page under `/[locale]/` (see `server/define.ts`). */
export const definePage = createDefine<PageState>();

/** Typed route helpers for the pages behind the sign-in check. */
export const defineSignedInPage = createDefine<SignedInPageState>();
