/**
 * Typed route helpers (the framework's `createDefine`), one per state a route can rely on, so
 * routes read `ctx.state` without annotating or casting it. Pages under `/[locale]/` have theirs in
 * `routes/[locale]/_lib/state.ts`.
 */
import { createDefine } from "../framework/mod.ts";
import type { AppState, SignedInState } from "./state.ts";

/** Any request: the services, and the user once a middleware verified the session. */
export const define = createDefine<AppState>();

/** Behind the API's session check (`routes/api/_middleware.ts`): `user` and `sessionId` are set. */
export const defineSignedIn = createDefine<SignedInState>();
