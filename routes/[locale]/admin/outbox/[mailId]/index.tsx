/**
 * `/[locale]/admin/outbox/<mail id>`: one mail as its recipient would see it — the headers, the HTML
 * version in a sandboxed frame (served by `html.ts` with its own locked-down policy), the text version,
 * and the raw RFC 5322 source when it was written to the outbox.
 */
import { Head, type PageProps, type RouteContext } from "@/framework/mod.ts";
import { translator } from "@/i18n/mod.ts";
import { formatFull } from "@/i18n/format.ts";
import { FOCUS_RING } from "@/components/styles.ts";
import { loadOutboxMail, type OutboxMailData } from "@/routes/[locale]/_lib/outbox.ts";
import type { SignedInPageState } from "@/routes/[locale]/_lib/state.ts";

export const handler = {
  async GET(ctx: RouteContext<SignedInPageState, OutboxMailData>): Promise<Response> {
    const data = await loadOutboxMail(ctx);
    return data ? await ctx.render(data) : await ctx.renderNotFound();
  },
};

export default function OutboxMailPage({ data, state, url }: PageProps<OutboxMailData, SignedInPageState>) {
  const t = translator(state.locale);
  const { readable, membership } = data;
  const q = `?establishment=${encodeURIComponent(membership.establishmentId)}`;
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{`${readable.subject} – ${t("title.outbox")}`}</title>
      </Head>
      <a href={`/${state.locale}/admin/outbox${q}`} class={`text-sm text-blue-800 underline ${FOCUS_RING}`}>
        {t("outbox.back")}
      </a>
      <article class="mt-4 max-w-3xl rounded-2xl bg-white p-6 shadow">
        <h1 class="text-xl font-bold text-slate-900" data-mail-subject>{readable.subject}</h1>
        <dl class="mt-2 grid grid-cols-[auto_1fr] gap-x-3 text-sm text-slate-700">
          <dt class="font-semibold">{t("outbox.from")}</dt>
          <dd>{readable.from}</dd>
          <dt class="font-semibold">{t("outbox.to")}</dt>
          <dd>{readable.to}</dd>
          <dt class="font-semibold">{t("outbox.date")}</dt>
          <dd>{formatFull(new Date(readable.date), state.locale, state.timeZone)}</dd>
          <dt class="font-semibold">{t("outbox.status")}</dt>
          <dd>{t(`outbox.status.${readable.mail.status}`)}</dd>
        </dl>
        {readable.mail.lastError && readable.mail.status !== "sent" && (
          <p class="mt-2 text-sm text-red-800">{t("outbox.lastError", { error: readable.mail.lastError })}</p>
        )}
        <iframe
          title={readable.subject}
          src={`${url.pathname}/html${q}`}
          sandbox=""
          class="mt-4 h-[28rem] w-full rounded-lg border border-slate-200"
        />
        <h2 class="mt-6 font-semibold text-slate-900">{t("outbox.plain")}</h2>
        <pre
          class="mt-2 whitespace-pre-wrap rounded-lg bg-slate-50 p-3 text-sm"
          data-mail-text
        >{readable.text}</pre>
        {readable.raw !== null && (
          <details class="mt-4">
            <summary class={`cursor-pointer text-sm text-slate-700 ${FOCUS_RING}`}>
              {t("outbox.file", { file: readable.mail.outboxFile ?? "" })}
            </summary>
            <pre class="mt-2 overflow-x-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-100">{readable.raw}</pre>
          </details>
        )}
      </article>
    </div>
  );
}
