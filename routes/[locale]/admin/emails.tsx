/** `/[locale]/admin/emails`: compose a staff email and follow each send's delivery (see `_lib/staff_emails.ts`). */
import { Head, type PageProps } from "@/framework/mod.ts";
import { translator } from "@/i18n/mod.ts";
import { formatFull } from "@/i18n/format.ts";
import { FOCUS_RING, PRIMARY_BUTTON, SECONDARY_BUTTON } from "@/components/styles.ts";
import { type StaffEmailsData, staffEmailsHandler } from "@/routes/[locale]/_lib/staff_emails.ts";
import type { SignedInPageState } from "@/routes/[locale]/_lib/state.ts";

export const handler = staffEmailsHandler;

const FIELD = `mt-1 block w-full rounded-lg border border-slate-400 px-3 py-2 text-slate-900 ${FOCUS_RING}`;

export default function StaffEmailsPage({ data, state, url }: PageProps<StaffEmailsData, SignedInPageState>) {
  const t = translator(state.locale);
  const establishment = data.membership.establishmentId;
  const groups = [
    { value: "parent", label: t("emails.allParents") },
    { value: "student", label: t("emails.allStudents") },
    { value: "staff", label: t("emails.allStaff") },
  ];
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{t("title.emails")}</title>
      </Head>
      <div class="max-w-3xl rounded-2xl bg-white p-6 shadow">
        <h1 class="text-xl font-bold text-slate-900">
          {t("emails.heading")} – {data.membership.establishmentName}
        </h1>
        {data.sent !== undefined && (
          <p role="status" class="mt-4 rounded-lg bg-green-50 px-3 py-2 text-green-900">
            {t("emails.sent", { count: data.sent })}
          </p>
        )}
        {data.error && (
          <p role="alert" class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-red-800">
            {t("emails.failed", { reason: data.error })}
          </p>
        )}
        <form method="get" action={url.pathname} class="mt-4 flex items-end gap-2">
          <input type="hidden" name="establishment" value={establishment} />
          <label class="flex-1 text-sm font-semibold">
            {t("emails.people")}
            <input name="q" value={data.query} class={FIELD} placeholder={t("search.placeholder")} />
          </label>
          <button type="submit" class={SECONDARY_BUTTON}>{t("emails.search")}</button>
        </form>
        <form
          method="post"
          action={`${url.pathname}?establishment=${encodeURIComponent(establishment)}`}
          class="mt-4"
        >
          {data.found.length > 0 && (
            <ul class="mb-4 rounded-lg border border-slate-200 p-2">
              {data.found.map((r) => (
                <li key={r.id}>
                  <label class="flex items-center gap-2 py-1">
                    <input type="checkbox" name="recipientIds" value={r.id} checked class={FOCUS_RING} />
                    <span>{r.name} · {t(`role.${r.role}`)} · {r.email}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <fieldset>
            <legend class="text-sm font-semibold">{t("emails.roles")}</legend>
            {groups.map((g) => (
              <label class="mr-4 inline-flex items-center gap-2 py-1" key={g.value}>
                <input type="checkbox" name="roles" value={g.value} class={FOCUS_RING} />
                {g.label}
              </label>
            ))}
          </fieldset>
          <label class="mt-4 block text-sm font-semibold">
            {t("emails.subject")}
            <input name="subject" required maxLength={200} value={data.draft.subject} class={FIELD} />
          </label>
          <label class="mt-4 block text-sm font-semibold">
            {t("emails.body")}
            <textarea name="body" required rows={8} class={FIELD}>{data.draft.body}</textarea>
          </label>
          <button type="submit" class={`mt-4 ${PRIMARY_BUTTON}`}>{t("emails.send")}</button>
        </form>
      </div>
      <section class="mt-6 max-w-3xl">
        <h2 class="text-lg font-bold text-slate-900">{t("emails.history")}</h2>
        {data.reports.length === 0 && <p class="mt-2 text-slate-700">{t("emails.none")}</p>}
        {data.reports.map((r) => (
          <article key={r.id} class="mt-3 rounded-xl bg-white p-4 shadow" data-staff-email={r.id}>
            <h3 class="font-semibold">{r.subject}</h3>
            <p class="text-sm text-slate-600">
              {t("emails.by", {
                author: r.authorName,
                date: formatFull(new Date(r.createdAt), state.locale, state.timeZone),
              })}
            </p>
            <ul class="mt-2 text-sm">
              {r.recipients.map((p) => (
                <li key={p.email} data-status={p.status}>
                  {p.name} &lt;{p.email}&gt; — {t(`outbox.status.${p.status}`)}
                  {p.status === "failed" && p.lastError ? ` (${p.lastError})` : ""}
                </li>
              ))}
            </ul>
          </article>
        ))}
      </section>
    </div>
  );
}
