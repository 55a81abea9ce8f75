/**
 * `/mail/unsubscribe?token=…`: the one-click unsubscribe of RFC 8058, without a login. `POST` (what mail
 * clients send for `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and the button of this page) sets
 * the digest preference to none; `GET` only shows a confirmation button, because link scanners fetch
 * every URL of a mail and must not unsubscribe anyone. The signed token is the authorisation, so this
 * route deliberately accepts posts from mail providers' origins.
 */
import { Head, type PageProps, type RouteContext } from "@/framework/mod.ts";
import { unsubscribe, unsubscribeTarget } from "@/domain/mail/settings.ts";
import { type Locale, translator } from "@/i18n/mod.ts";
import { PRIMARY_BUTTON } from "@/components/styles.ts";
import type { AppState } from "@/server/state.ts";

interface UnsubscribeData {
  locale: Locale;
  state: "confirm" | "done" | "invalid";
  email?: string;
}

type State = AppState & { locale?: Locale };

function token(ctx: RouteContext<State, UnsubscribeData>): string {
  return (ctx.url.searchParams.get("token") ?? "").slice(0, 200);
}

export const handler = {
  async GET(ctx: RouteContext<State, UnsubscribeData>): Promise<Response> {
    const { services } = ctx.state;
    const user = await unsubscribeTarget(services.db, services.mail.secret, token(ctx));
    const locale = user?.locale ?? "fr";
    ctx.state.locale = locale;
    if (!user) return await ctx.render({ locale, state: "invalid" }, { status: 400 });
    return await ctx.render({ locale, state: "confirm", email: user.email });
  },
  async POST(ctx: RouteContext<State, UnsubscribeData>): Promise<Response> {
    const { services } = ctx.state;
    const user = await unsubscribeTarget(services.db, services.mail.secret, token(ctx));
    const locale = user?.locale ?? "fr";
    ctx.state.locale = locale;
    const done = user ? await unsubscribe(services.db, services.mail.secret, token(ctx)) : undefined;
    if (!done) return await ctx.render({ locale, state: "invalid" }, { status: 400 });
    return await ctx.render({ locale, state: "done", email: user?.email });
  },
};

export default function UnsubscribePage({ data, url }: PageProps<UnsubscribeData, State>) {
  const t = translator(data.locale);
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-12">
      <Head>
        <title>{t("title.unsubscribe")}</title>
      </Head>
      <div class="w-full max-w-md rounded-2xl bg-white p-6 shadow">
        <h1 class="text-xl font-bold text-slate-900">{t("unsubscribe.heading")}</h1>
        {data.state === "invalid" && <p role="alert" class="mt-4 text-red-800">{t("unsubscribe.invalid")}</p>}
        {data.state === "done" && (
          <p role="status" class="mt-4 text-slate-800" data-unsubscribed>{t("unsubscribe.done")}</p>
        )}
        {data.state === "confirm" && (
          <form method="post" action={url.pathname + url.search} class="mt-4">
            <p class="text-slate-800">{t("unsubscribe.confirm", { email: data.email ?? "" })}</p>
            <button type="submit" class={`mt-4 ${PRIMARY_BUTTON}`}>{t("unsubscribe.submit")}</button>
          </form>
        )}
      </div>
    </main>
  );
}
