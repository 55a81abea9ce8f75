/**
 * `/[locale]/admin/people`: the members of an establishment this person administers (404 otherwise),
 * searched by name or email (accents and case ignored), filtered by role and status, 50 per page (see
 * `domain/people.ts`).
 */
import { Head } from "@/framework/mod.ts";
import type { Affiliation, Membership, Role } from "@/db/models.ts";
import type { PersonRow } from "@/db/people.ts";
import { peoplePage } from "@/domain/people.ts";
import { isStorable } from "@/domain/text.ts";
import { translator } from "@/i18n/mod.ts";
import { formatFull } from "@/i18n/format.ts";
import { affiliationLabel } from "@/i18n/affiliation.ts";
import { SECONDARY_BUTTON } from "@/components/styles.ts";
import { adminMembership } from "@/routes/[locale]/_lib/outbox.ts";
import { FIELD_CLASS, LINK_CLASS } from "@/routes/[locale]/_lib/AccountCard.tsx";
import { defineSignedInPage } from "@/routes/[locale]/_lib/state.ts";

const ROLES: readonly Role[] = ["admin", "teacher", "parent", "student"];

interface PeopleData {
  membership: Membership;
  q: string;
  role: Role | "";
  status: "active" | "deactivated" | "";
  page: number;
  pages: number;
  total: number;
  rows: (PersonRow & { affiliation: Affiliation | null })[];
}

export const handler = defineSignedInPage.handlers<PeopleData>({
  async GET(ctx): Promise<Response> {
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const params = ctx.url.searchParams;
    const rawQ = (params.get("q") ?? "").slice(0, 100);
    const q = isStorable(rawQ) ? rawQ : "";
    const rawRole = params.get("role") ?? "";
    const role = (ROLES as readonly string[]).includes(rawRole) ? rawRole as Role : "";
    const rawStatus = params.get("status") ?? "";
    const status = rawStatus === "active" || rawStatus === "deactivated" ? rawStatus : "";
    const asked = Number(params.get("page") ?? "1");
    const page = Number.isSafeInteger(asked) && asked >= 1 && asked <= 100_000 ? asked : 1;
    const result = await peoplePage(ctx.state.services.db, ctx.state.user.id, {
      establishmentId: membership.establishmentId,
      query: q,
      role: role || undefined,
      status: status || undefined,
      page: page - 1,
    });
    return await ctx.render({ membership, q, role, status, page, ...result });
  },
});

export default defineSignedInPage.page<PeopleData>(function PeoplePage({ state, data, url }) {
  const t = translator(state.locale);
  const query = (page: number) => {
    const p = new URLSearchParams({ establishment: data.membership.establishmentId });
    if (data.q) p.set("q", data.q);
    if (data.role) p.set("role", data.role);
    if (data.status) p.set("status", data.status);
    p.set("page", String(page));
    return `${url.pathname}?${p}`;
  };
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{t("title.people")}</title>
      </Head>
      <div class="max-w-5xl rounded-2xl bg-white p-6 shadow">
        <h1 class="text-xl font-bold text-slate-900">
          {t("people.heading")} – {data.membership.establishmentName}
        </h1>
        <form method="get" action={url.pathname} class="mt-4 flex flex-wrap items-end gap-3" role="search">
          <input type="hidden" name="establishment" value={data.membership.establishmentId} />
          <label class="flex-1 text-sm font-semibold">
            {t("people.search")}
            <input name="q" value={data.q} maxLength={100} class={FIELD_CLASS} />
          </label>
          <label class="text-sm font-semibold">
            {t("people.role")}
            <select name="role" class={FIELD_CLASS}>
              <option value="">{t("people.allRoles")}</option>
              {ROLES.map((r) => (
                <option key={r} value={r} selected={r === data.role}>{t(`role.${r}`)}</option>
              ))}
            </select>
          </label>
          <label class="text-sm font-semibold">
            {t("people.status")}
            <select name="status" class={FIELD_CLASS}>
              <option value="">{t("people.allStatuses")}</option>
              <option value="active" selected={data.status === "active"}>{t("people.active")}</option>
              <option value="deactivated" selected={data.status === "deactivated"}>
                {t("people.deactivated")}
              </option>
            </select>
          </label>
          <button type="submit" class={SECONDARY_BUTTON}>{t("audit.filter.submit")}</button>
        </form>
        <p class="mt-4 text-sm text-slate-600" data-people-total={data.total}>
          {t("people.count", { count: data.total })}
        </p>
        <table class="mt-2 w-full text-left text-sm" data-people>
          <thead>
            <tr class="border-b border-slate-200 text-slate-600">
              <th scope="col" class="py-2 pr-3">{t("people.name")}</th>
              <th scope="col" class="py-2 pr-3">{t("people.email")}</th>
              <th scope="col" class="py-2 pr-3">{t("people.role")}</th>
              <th scope="col" class="py-2 pr-3">{t("people.status")}</th>
              <th scope="col" class="py-2">{t("people.lastActivity")}</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((p) => (
              <tr key={p.id} class="border-b border-slate-100" data-person={p.id}>
                <td class="py-2 pr-3">
                  <a
                    href={`${url.pathname}/${p.id}?establishment=${data.membership.establishmentId}`}
                    class={LINK_CLASS}
                  >
                    {p.name}
                  </a>
                </td>
                <td class="py-2 pr-3">{p.email}</td>
                <td class="py-2 pr-3" data-affiliation>
                  {affiliationLabel(p.role, p.affiliation, t)}
                </td>
                <td class="py-2 pr-3">{p.deactivated ? t("people.deactivated") : t("people.active")}</td>
                <td class="py-2">
                  {p.lastActivity
                    ? formatFull(p.lastActivity, state.locale, state.timeZone)
                    : t("people.never")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <nav class="mt-4 flex items-center gap-4 text-sm" aria-label={t("people.pages")}>
          {data.page > 1 && (
            <a href={query(data.page - 1)} rel="prev" class={LINK_CLASS}>{t("people.previous")}</a>
          )}
          <span>{t("people.pageOf", { page: data.page, pages: data.pages })}</span>
          {data.page < data.pages && (
            <a href={query(data.page + 1)} rel="next" class={LINK_CLASS}>{t("people.next")}</a>
          )}
        </nav>
      </div>
    </div>
  );
});
