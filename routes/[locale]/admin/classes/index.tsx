/**
 * `/[locale]/admin/classes`: the establishment's classes of one school year (`?year=`, default the newest
 * with classes) for its admins — create, rename, delete — with a link to the class-list import. Every
 * change goes through `domain/school.ts` (admin check, audit log). Anyone else: 404.
 */
import { Head } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import type { SchoolClass } from "@/db/classes.ts";
import { classesOverview, createSchoolClass, deleteSchoolClass, renameSchoolClass } from "@/domain/school.ts";
import { translator } from "@/i18n/mod.ts";
import { PRIMARY_BUTTON, SECONDARY_BUTTON } from "@/components/styles.ts";
import { adminMembership } from "@/routes/[locale]/_lib/outbox.ts";
import { FIELD_CLASS, FormAlert, LABEL_CLASS, LINK_CLASS } from "@/routes/[locale]/_lib/AccountCard.tsx";
import { defineSignedInPage } from "@/routes/[locale]/_lib/state.ts";
import { redirect } from "@/routes/[locale]/_lib/paths.ts";
import { establishmentQuery, handleSchoolForm } from "./_lib/school_form.ts";

interface ClassesData {
  membership: Membership;
  schoolYears: string[];
  schoolYear: string;
  classes: SchoolClass[];
  done?: string;
  error?: string;
}

export const handler = defineSignedInPage.handlers<ClassesData>({
  async GET(ctx): Promise<Response> {
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const overview = await classesOverview(
      ctx.state.services.db,
      ctx.state.user.id,
      membership.establishmentId,
      ctx.url.searchParams.get("year") ?? undefined,
    );
    return await ctx.render({ membership, ...overview, done: ctx.url.searchParams.get("done") ?? undefined });
  },

  async POST(ctx): Promise<Response> {
    const { db } = ctx.state.services;
    return await handleSchoolForm(ctx, async ({ membership, actor, field }) => {
      const establishmentId = membership.establishmentId;
      const action = field("action");
      if (action === "create") {
        const created = await createSchoolClass(db, actor, {
          establishmentId,
          name: field("name"),
          schoolYear: field("schoolYear"),
        });
        const p = new URLSearchParams({ year: created.schoolYear, done: "created" });
        return redirect(`${ctx.url.pathname}?${establishmentQuery(membership)}&${p}`, 303);
      }
      if (action === "rename") {
        await renameSchoolClass(db, actor, {
          establishmentId,
          classId: field("classId"),
          name: field("name"),
        });
        return "saved";
      }
      if (action === "delete") {
        await deleteSchoolClass(db, actor, { establishmentId, classId: field("classId") });
        return "deleted";
      }
      return new Response("Choose create, rename or delete.", { status: 400 });
    }, async (membership, error, status) => {
      const overview = await classesOverview(
        db,
        ctx.state.user.id,
        membership.establishmentId,
        ctx.url.searchParams.get("year") ?? undefined,
      );
      return await ctx.render({ membership, ...overview, error }, { status });
    });
  },
});

export default defineSignedInPage.page<ClassesData>(function ClassesPage({ state, data, url }) {
  const t = translator(state.locale);
  const q = establishmentQuery(data.membership);
  const here = `${url.pathname}?${q}&year=${data.schoolYear}`;
  const done = data.done === "created" || data.done === "saved" || data.done === "deleted" ? data.done : null;
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{`${t("classes.heading")} – ${data.membership.establishmentName}`}</title>
      </Head>
      <div class="max-w-4xl rounded-2xl bg-white p-6 shadow">
        <h1 class="text-xl font-bold text-slate-900">
          {t("classes.heading")} – {data.membership.establishmentName}
        </h1>
        <p class="mt-1 text-sm text-slate-600">{t("classes.intro")}</p>
        {done && (
          <p role="status" class="mt-4 text-sm font-medium text-green-800">{t(`classes.done.${done}`)}</p>
        )}
        {data.error && <FormAlert id="classes-error" message={data.error} />}
        <form method="get" action={url.pathname} class="mt-4 flex flex-wrap items-end gap-3">
          <input type="hidden" name="establishment" value={data.membership.establishmentId} />
          <label class="text-sm font-semibold">
            {t("classes.year")}
            <select name="year" class={FIELD_CLASS}>
              {data.schoolYears.map((y) => (
                <option key={y} value={y} selected={y === data.schoolYear}>{y}</option>
              ))}
            </select>
          </label>
          <button type="submit" class={SECONDARY_BUTTON}>{t("classes.show")}</button>
          <a href={`/${state.locale}/admin/classes/import?${q}&year=${data.schoolYear}`} class={LINK_CLASS}>
            {t("classes.import")}
          </a>
        </form>
        {data.classes.length === 0
          ? <p class="mt-4 text-sm text-slate-600">{t("classes.none")}</p>
          : (
            <table class="mt-4 w-full text-left text-sm" data-classes>
              <thead>
                <tr class="border-b border-slate-200 text-slate-600">
                  <th scope="col" class="py-2 pr-3">{t("classes.name")}</th>
                  <th scope="col" class="py-2 pr-3">{t("classes.pupils")}</th>
                  <th scope="col" class="py-2 pr-3">{t("classes.teachers")}</th>
                  <th scope="col" class="py-2">
                    <span class="sr-only">{t("classes.rename")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.classes.map((c) => (
                  <tr key={c.id} class="border-b border-slate-100" data-class={c.id}>
                    <td class="py-2 pr-3">
                      <a href={`${url.pathname}/${c.id}?${q}`} class={LINK_CLASS}>{c.name}</a>
                    </td>
                    <td class="py-2 pr-3">{c.pupilCount}</td>
                    <td class="py-2 pr-3">{c.teacherCount}</td>
                    <td class="py-2">
                      <form method="post" action={here} class="flex flex-wrap items-center gap-2">
                        <input type="hidden" name="classId" value={c.id} />
                        <label class="sr-only" for={`rename-${c.id}`}>{t("classes.name")}</label>
                        <input
                          id={`rename-${c.id}`}
                          name="name"
                          value={c.name}
                          maxLength={100}
                          class="w-28 rounded border border-slate-300 px-2 py-1"
                        />
                        <button type="submit" name="action" value="rename" class={SECONDARY_BUTTON}>
                          {t("classes.rename")}
                        </button>
                        <button type="submit" name="action" value="delete" class={SECONDARY_BUTTON}>
                          {t("classes.delete")}
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        <p class="mt-2 text-xs text-slate-600">{t("classes.deleteHint")}</p>
        <form method="post" action={here} class="mt-6" data-create-class>
          <label class={LABEL_CLASS} for="class-name">{t("classes.name")}</label>
          <input id="class-name" name="name" required maxLength={100} class={FIELD_CLASS} />
          <label class={LABEL_CLASS} for="class-year">{t("classes.year")}</label>
          <select id="class-year" name="schoolYear" class={FIELD_CLASS}>
            {data.schoolYears.map((y) => (
              <option key={y} value={y} selected={y === data.schoolYear}>{y}</option>
            ))}
          </select>
          <button type="submit" name="action" value="create" class={`mt-4 ${PRIMARY_BUTTON}`}>
            {t("classes.create")}
          </button>
        </form>
      </div>
    </div>
  );
});
