/**
 * `/[locale]/admin/classes/<classId>`: one class for the establishment's admins — its teachers (assign
 * with an optional subject, unassign) and pupils (add a new one, add an existing one found by name or
 * number with `?q=`, take one out), each pupil linking to their page. Through `domain/school.ts`; a
 * class of another establishment, or anyone but its admins: 404.
 */
import { Head } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import {
  addPupil,
  assignClassTeacher,
  type ClassDetails,
  classDetails,
  removePupil,
  unassignClassTeacher,
} from "@/domain/school.ts";
import { translator } from "@/i18n/mod.ts";
import { PRIMARY_BUTTON, SECONDARY_BUTTON } from "@/components/styles.ts";
import { FIELD_CLASS, FormAlert, LABEL_CLASS, LINK_CLASS } from "@/routes/[locale]/_lib/AccountCard.tsx";
import { defineSignedInPage } from "@/routes/[locale]/_lib/state.ts";
import { establishmentQuery, handleSchoolForm, showSchoolPage } from "./_lib/school_form.ts";

interface ClassData extends ClassDetails {
  membership: Membership;
  q: string;
  done?: string;
  error?: string;
}

export const handler = defineSignedInPage.handlers<ClassData>({
  async GET(ctx): Promise<Response> {
    return await showSchoolPage(
      ctx,
      (membership, q) =>
        classDetails(
          ctx.state.services.db,
          ctx.state.user.id,
          membership.establishmentId,
          ctx.params.classId ?? "",
          q,
        ),
    );
  },

  async POST(ctx): Promise<Response> {
    const { db } = ctx.state.services;
    const classId = ctx.params.classId ?? "";
    return await handleSchoolForm(ctx, async ({ membership, actor, field }) => {
      const establishmentId = membership.establishmentId;
      switch (field("action")) {
        case "add-pupil":
          await addPupil(db, actor, {
            establishmentId,
            classId,
            pupilId: field("pupilId") || undefined,
            name: field("name"),
            givenName: field("givenName"),
            externalRef: field("externalRef"),
          });
          return "saved";
        case "remove-pupil":
          await removePupil(db, actor, { establishmentId, classId, pupilId: field("pupilId") });
          return "saved";
        case "assign":
          await assignClassTeacher(db, actor, {
            establishmentId,
            classId,
            teacherId: field("teacherId"),
            subject: field("subject"),
          });
          return "saved";
        case "unassign":
          await unassignClassTeacher(db, actor, { establishmentId, classId, teacherId: field("teacherId") });
          return "saved";
        default:
          return new Response("Choose add-pupil, remove-pupil, assign or unassign.", { status: 400 });
      }
    }, async (membership, error, status) => {
      const details = await classDetails(db, ctx.state.user.id, membership.establishmentId, classId);
      return await ctx.render({ ...details, membership, q: "", error }, { status });
    });
  },
});

export default defineSignedInPage.page<ClassData>(function ClassPage({ state, data, url }) {
  const t = translator(state.locale);
  const q = establishmentQuery(data.membership);
  const here = `${url.pathname}?${q}`;
  const c = data.schoolClass;
  const assigned = new Set(data.teachers.map((teacher) => teacher.id));
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{`${c.name} (${c.schoolYear}) – ${t("classes.heading")}`}</title>
      </Head>
      <div class="max-w-4xl rounded-2xl bg-white p-6 shadow">
        <p class="text-sm">
          <a href={`/${state.locale}/admin/classes?${q}&year=${c.schoolYear}`} class={LINK_CLASS}>
            {t("classes.back")}
          </a>
        </p>
        <h1 class="mt-2 text-xl font-bold text-slate-900" data-class-name>{c.name} · {c.schoolYear}</h1>
        {data.done === "saved" && (
          <p role="status" class="mt-4 text-sm font-medium text-green-800">{t("classes.done.saved")}</p>
        )}
        {data.error && <FormAlert id="class-error" message={data.error} />}

        <h2 class="mt-6 text-lg font-semibold text-slate-900">{t("classes.teachers")}</h2>
        {data.teachers.length === 0
          ? <p class="mt-2 text-sm text-slate-600">{t("classes.noTeachers")}</p>
          : (
            <ul class="mt-2 divide-y divide-slate-200" data-class-teachers>
              {data.teachers.map((teacher) => (
                <li key={teacher.id} class="flex items-center gap-3 py-2" data-class-teacher={teacher.id}>
                  <span class="flex-1">
                    {teacher.name}
                    {teacher.subject ? ` · ${teacher.subject}` : ""}
                  </span>
                  <form method="post" action={here}>
                    <input type="hidden" name="teacherId" value={teacher.id} />
                    <button type="submit" name="action" value="unassign" class={SECONDARY_BUTTON}>
                      {t("classes.unassign")}
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          )}
        <form method="post" action={here} class="mt-2 flex flex-wrap items-end gap-3">
          <label class="text-sm font-semibold">
            {t("classes.teachers")}
            <select name="teacherId" class={FIELD_CLASS}>
              {data.staff.filter((s) => !assigned.has(s.id)).map((s) => (
                <option key={s.id} value={s.id}>{s.name} · {t(`role.${s.role}`)}</option>
              ))}
            </select>
          </label>
          <label class="text-sm font-semibold">
            {t("classes.subject")}
            <input name="subject" maxLength={100} class={FIELD_CLASS} />
          </label>
          <button type="submit" name="action" value="assign" class={SECONDARY_BUTTON}>
            {t("classes.assign")}
          </button>
        </form>

        <h2 class="mt-8 text-lg font-semibold text-slate-900">
          {t("classes.pupils")} ({data.pupils.length})
        </h2>
        {data.pupils.length === 0
          ? <p class="mt-2 text-sm text-slate-600">{t("classes.noPupils")}</p>
          : (
            <table class="mt-2 w-full text-left text-sm" data-class-pupils>
              <thead>
                <tr class="border-b border-slate-200 text-slate-600">
                  <th scope="col" class="py-2 pr-3">{t("people.name")}</th>
                  <th scope="col" class="py-2 pr-3">{t("classes.pupilNumber")}</th>
                  <th scope="col" class="py-2 pr-3">{t("classes.guardians")}</th>
                  <th scope="col" class="py-2">
                    <span class="sr-only">{t("classes.removePupil")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.pupils.map((p) => (
                  <tr key={p.id} class="border-b border-slate-100" data-class-pupil={p.id}>
                    <td class="py-2 pr-3">
                      <a href={`/${state.locale}/admin/classes/pupil/${p.id}?${q}`} class={LINK_CLASS}>
                        {p.name}
                      </a>
                    </td>
                    <td class="py-2 pr-3">{p.externalRef ?? ""}</td>
                    <td class="py-2 pr-3">{p.guardians.join(", ")}</td>
                    <td class="py-2">
                      <form method="post" action={here}>
                        <input type="hidden" name="pupilId" value={p.id} />
                        <button type="submit" name="action" value="remove-pupil" class={SECONDARY_BUTTON}>
                          {t("classes.removePupil")}
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

        <form method="get" action={url.pathname} class="mt-6 flex flex-wrap items-end gap-3" role="search">
          <input type="hidden" name="establishment" value={data.membership.establishmentId} />
          <label class="flex-1 text-sm font-semibold">
            {t("classes.findPupil")}
            <input name="q" value={data.q} maxLength={100} class={FIELD_CLASS} />
          </label>
          <button type="submit" class={SECONDARY_BUTTON}>{t("classes.search")}</button>
        </form>
        {data.q.trim().length >= 2 && data.candidates.length === 0 && (
          <p class="mt-2 text-sm text-slate-600">{t("classes.noMatch")}</p>
        )}
        <ul class="mt-2">
          {data.candidates.map((p) => (
            <li key={p.id} class="flex items-center gap-3 py-1" data-pupil-candidate={p.id}>
              <span class="flex-1">{p.name}{p.externalRef ? ` · ${p.externalRef}` : ""}</span>
              <form method="post" action={here}>
                <input type="hidden" name="pupilId" value={p.id} />
                <button type="submit" name="action" value="add-pupil" class={SECONDARY_BUTTON}>
                  {t("classes.addPupil")}
                </button>
              </form>
            </li>
          ))}
        </ul>

        <form method="post" action={here} class="mt-6" data-new-pupil>
          <h3 class="font-semibold text-slate-900">{t("classes.newPupil")}</h3>
          <label class={LABEL_CLASS} for="pupil-given">{t("classes.givenName")}</label>
          <input id="pupil-given" name="givenName" maxLength={100} class={FIELD_CLASS} />
          <label class={LABEL_CLASS} for="pupil-family">{t("classes.familyName")}</label>
          <input id="pupil-family" name="name" required maxLength={100} class={FIELD_CLASS} />
          <label class={LABEL_CLASS} for="pupil-ref">{t("classes.pupilNumber")}</label>
          <input id="pupil-ref" name="externalRef" maxLength={64} class={FIELD_CLASS} />
          <button type="submit" name="action" value="add-pupil" class={`mt-4 ${PRIMARY_BUTTON}`}>
            {t("classes.addPupil")}
          </button>
        </form>
      </div>
    </div>
  );
});
