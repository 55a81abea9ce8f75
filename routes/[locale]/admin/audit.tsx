/**
 * `/[locale]/admin/audit`: the audit log of an establishment this person administers (404 otherwise,
 * like the outbox): newest first, filtered by action and by a name or address (`who`), paged by
 * "older entries", and `?format=csv` exports the same selection (see `domain/audit.ts`).
 */
import { Head } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import type { AuditEntry } from "@/db/audit.ts";
import { AUDIT_ACTIONS, auditCsv, auditPage } from "@/domain/audit.ts";
import { isStorable } from "@/domain/text.ts";
import { type MessageKey, translator } from "@/i18n/mod.ts";
import { formatFull } from "@/i18n/format.ts";
import { FOCUS_RING, SECONDARY_BUTTON } from "@/components/styles.ts";
import { adminMembership } from "@/routes/[locale]/_lib/outbox.ts";
import { defineSignedInPage } from "@/routes/[locale]/_lib/state.ts";

interface AuditData {
  membership: Membership;
  action: string;
  who: string;
  entries: AuditEntry[];
  olderThan?: number;
}

const ACTION_LABELS: Record<typeof AUDIT_ACTIONS[number], MessageKey> = {
  "establishment.setup": "audit.action.establishment.setup",
  "person.deactivate": "audit.action.person.deactivate",
  "person.reactivate": "audit.action.person.reactivate",
  "invitation.create": "audit.action.invitation.create",
  "invitation.resend": "audit.action.invitation.resend",
  "invitation.revoke": "audit.action.invitation.revoke",
  "invitation.accept": "audit.action.invitation.accept",
  "establishment.create": "audit.action.establishment.create",
  "person.add_admin": "audit.action.person.add_admin",
  "person.reset_link": "audit.action.person.reset_link",
  "membership.role": "audit.action.membership.role",
  "membership.remove": "audit.action.membership.remove",
  "establishment.messaging_settings": "audit.action.establishment.messaging_settings",
  "class.create": "audit.action.class.create",
  "class.rename": "audit.action.class.rename",
  "class.delete": "audit.action.class.delete",
  "class.add_pupil": "audit.action.class.add_pupil",
  "class.remove_pupil": "audit.action.class.remove_pupil",
  "class.assign_teacher": "audit.action.class.assign_teacher",
  "class.unassign_teacher": "audit.action.class.unassign_teacher",
  "guardian.link": "audit.action.guardian.link",
  "guardian.unlink": "audit.action.guardian.unlink",
  "pupil.account": "audit.action.pupil.account",
  "pupil.delete": "audit.action.pupil.delete",
  "classes.import": "audit.action.classes.import",
};

function actionLabel(t: ReturnType<typeof translator>, action: string): string {
  const key = ACTION_LABELS[action as typeof AUDIT_ACTIONS[number]];
  return key ? t(key) : action;
}

export const handler = defineSignedInPage.handlers<AuditData>({
  async GET(ctx): Promise<Response> {
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const params = ctx.url.searchParams;
    const rawAction = params.get("action") ?? "";
    const action = (AUDIT_ACTIONS as readonly string[]).includes(rawAction) ? rawAction : "";
    const rawWho = (params.get("who") ?? "").trim().slice(0, 100);
    const who = isStorable(rawWho) ? rawWho : "";
    const before = Number(params.get("before"));
    const query = {
      establishmentId: membership.establishmentId,
      action: action || undefined,
      who: who || undefined,
    };
    const { services, user } = ctx.state;
    if (params.get("format") === "csv") {
      const csv = await auditCsv(services.db, user.id, query);
      const day = new Date().toISOString().slice(0, 10);
      return new Response(csv, {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="audit-${day}.csv"`,
          "cache-control": "private, no-store",
        },
      });
    }
    const page = await auditPage(services.db, user.id, {
      ...query,
      beforeId: Number.isSafeInteger(before) && before > 0 ? before : undefined,
    });
    return await ctx.render({
      membership,
      action,
      who,
      entries: page.entries,
      olderThan: page.hasMore ? page.entries[page.entries.length - 1]?.id : undefined,
    });
  },
});

export default defineSignedInPage.page<AuditData>(function AuditPage({ state, data, url }) {
  const t = translator(state.locale);
  const field = `mt-1 block w-full rounded-lg border border-slate-400 px-3 py-2 text-slate-900 ${FOCUS_RING}`;
  const link = `font-medium text-blue-800 underline ${FOCUS_RING}`;
  const base = new URLSearchParams({ establishment: data.membership.establishmentId });
  if (data.action) base.set("action", data.action);
  if (data.who) base.set("who", data.who);
  const csv = new URLSearchParams(base);
  csv.set("format", "csv");
  const older = new URLSearchParams(base);
  if (data.olderThan !== undefined) older.set("before", String(data.olderThan));
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{t("title.audit")}</title>
      </Head>
      <div class="max-w-5xl rounded-2xl bg-white p-6 shadow">
        <h1 class="text-xl font-bold text-slate-900">
          {t("audit.heading")} – {data.membership.establishmentName}
        </h1>
        <form method="get" action={url.pathname} class="mt-4 flex flex-wrap items-end gap-3">
          <input type="hidden" name="establishment" value={data.membership.establishmentId} />
          <label class="text-sm font-semibold">
            {t("audit.filter.action")}
            <select name="action" class={field}>
              <option value="">{t("audit.filter.allActions")}</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a} selected={a === data.action}>{actionLabel(t, a)}</option>
              ))}
            </select>
          </label>
          <label class="flex-1 text-sm font-semibold">
            {t("audit.filter.who")}
            <input name="who" value={data.who} maxLength={100} class={field} />
          </label>
          <button type="submit" class={SECONDARY_BUTTON}>{t("audit.filter.submit")}</button>
          <a href={`${url.pathname}?${csv}`} class={SECONDARY_BUTTON} data-audit-csv>{t("audit.export")}</a>
        </form>
        {data.entries.length === 0
          ? <p class="mt-6 text-slate-600" data-audit-empty>{t("audit.empty")}</p>
          : (
            <table class="mt-6 w-full text-left text-sm" data-audit>
              <thead>
                <tr class="border-b border-slate-200 text-slate-600">
                  <th scope="col" class="py-2 pr-3">{t("audit.col.when")}</th>
                  <th scope="col" class="py-2 pr-3">{t("audit.col.who")}</th>
                  <th scope="col" class="py-2 pr-3">{t("audit.col.action")}</th>
                  <th scope="col" class="py-2 pr-3">{t("audit.col.target")}</th>
                  <th scope="col" class="py-2">{t("audit.col.address")}</th>
                </tr>
              </thead>
              <tbody>
                {data.entries.map((e) => (
                  <tr key={e.id} class="border-b border-slate-100 align-top" data-audit-action={e.action}>
                    <td class="py-2 pr-3">
                      <time dateTime={e.at.toISOString()}>
                        {formatFull(e.at, state.locale, state.timeZone)}
                      </time>
                    </td>
                    <td class="py-2 pr-3">{e.actorLabel}</td>
                    <td class="py-2 pr-3">{actionLabel(t, e.action)}</td>
                    <td class="py-2 pr-3">{e.targetLabel ?? ""}</td>
                    <td class="py-2 font-mono text-xs">{e.clientAddress ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        {data.olderThan !== undefined && (
          <p class="mt-4">
            <a href={`${url.pathname}?${older}`} class={link} rel="next">{t("audit.older")}</a>
          </p>
        )}
      </div>
    </div>
  );
});
