/** `/[locale]/admin/outbox`: the establishment's mails, newest first, with their delivery status. */
import { Head, type PageProps } from "@/framework/mod.ts";
import { translator } from "@/i18n/mod.ts";
import { formatFull } from "@/i18n/format.ts";
import { FOCUS_RING } from "@/components/styles.ts";
import { type OutboxData, outboxListHandler } from "@/routes/[locale]/_lib/outbox.ts";
import type { SignedInPageState } from "@/routes/[locale]/_lib/state.ts";

export const handler = outboxListHandler;

export default function OutboxPage({ data, state }: PageProps<OutboxData, SignedInPageState>) {
  const t = translator(state.locale);
  const q = `?establishment=${encodeURIComponent(data.membership.establishmentId)}`;
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{t("title.outbox")}</title>
      </Head>
      <h1 class="text-xl font-bold text-slate-900">
        {t("outbox.heading")} – {data.membership.establishmentName}
      </h1>
      <p class="mt-1 text-sm text-slate-700">
        {data.outboxDir
          ? t("outbox.intro.outbox", { dir: data.outboxDir })
          : t("outbox.intro.smtp", { transport: data.transport })}
      </p>
      {data.mails.length === 0
        ? <p class="mt-6 text-slate-700">{t("outbox.empty")}</p>
        : (
          <table class="mt-6 w-full max-w-5xl border-collapse rounded-xl bg-white text-left text-sm shadow">
            <thead>
              <tr class="border-b border-slate-200">
                <th class="p-3">{t("outbox.date")}</th>
                <th class="p-3">{t("outbox.to")}</th>
                <th class="p-3">{t("outbox.subject")}</th>
                <th class="p-3">{t("outbox.status")}</th>
              </tr>
            </thead>
            <tbody>
              {data.mails.map((m) => (
                <tr key={m.id} class="border-b border-slate-100 align-top" data-mail={m.id}>
                  <td class="whitespace-nowrap p-3">
                    {formatFull(new Date(m.createdAt), state.locale, state.timeZone)}
                  </td>
                  <td class="p-3">{m.toName} &lt;{m.toAddress}&gt;</td>
                  <td class="p-3">
                    <a
                      href={`/${state.locale}/admin/outbox/${m.id}${q}`}
                      class={`font-medium text-blue-800 underline ${FOCUS_RING}`}
                    >
                      {m.subject}
                    </a>
                  </td>
                  <td class="p-3" data-status={m.status}>
                    {t(`outbox.status.${m.status}`)}
                    {m.status !== "sent" && m.attempts > 0 && (
                      <span class="block text-xs text-slate-600">
                        {t("outbox.attempts", { count: m.attempts })}
                      </span>
                    )}
                    {m.status !== "sent" && m.lastError && (
                      <span class="block text-xs text-red-800">
                        {t("outbox.lastError", { error: m.lastError })}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </div>
  );
}
