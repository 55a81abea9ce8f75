/**
 * `/[locale]/admin/classes/pupil/<pupilId>`: one pupil for the establishment's admins — their classes,
 * their own student account, and their guardians (accounts, and invitations not accepted yet) — to link
 * a parent found with `?q=`, unlink a guardian, link or unlink the pupil's account, or delete the pupil.
 * Through `domain/school.ts`; a pupil of another establishment, or anyone but its admins: 404.
 */
import { Head } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import {
  linkPupilGuardian,
  type PupilDetails,
  pupilDetails,
  removeSchoolPupil,
  setPupilStudent,
  unlinkPupilGuardian,
} from "@/domain/school.ts";
import { translator } from "@/i18n/mod.ts";
import { SECONDARY_BUTTON } from "@/components/styles.ts";
import { FIELD_CLASS, FormAlert, LINK_CLASS } from "@/routes/[locale]/_lib/AccountCard.tsx";
import { defineSignedInPage } from "@/routes/[locale]/_lib/state.ts";
import { redirect } from "@/routes/[locale]/_lib/paths.ts";
import { establishmentQuery, handleSchoolForm, showSchoolPage } from "../_lib/school_form.ts";

interface PupilData extends PupilDetails {
  membership: Membership;
  q: string;
  done?: string;
  error?: string;
}

export const handler = defineSignedInPage.handlers<PupilData>({
  async GET(ctx): Promise<Response> {
    return await showSchoolPage(
      ctx,
      (membership, q) =>
        pupilDetails(
          ctx.state.services.db,
          ctx.state.user.id,
          membership.establishmentId,
          ctx.params.pupilId ?? "",
          q,
        ),
    );
  },

  async POST(ctx): Promise<Response> {
    const { db } = ctx.state.services;
    const pupilId = ctx.params.pupilId ?? "";
    return await handleSchoolForm(ctx, async ({ membership, actor, field }) => {
      const establishmentId = membership.establishmentId;
      switch (field("action")) {
        case "link":
          await linkPupilGuardian(db, actor, { establishmentId, pupilId, guardianId: field("userId") });
          return "saved";
        case "unlink":
          await unlinkPupilGuardian(db, actor, {
            establishmentId,
            pupilId,
            guardianshipId: field("guardianshipId"),
          });
          return "saved";
        case "account":
          await setPupilStudent(db, actor, { establishmentId, pupilId, studentId: field("userId") || null });
          return "saved";
        case "delete":
          await removeSchoolPupil(db, actor, { establishmentId, pupilId });
          return redirect(`/${ctx.state.locale}/admin/classes?${establishmentQuery(membership)}`, 303);
        default:
          return new Response("Choose link, unlink, account or delete.", { status: 400 });
      }
    }, async (membership, error, status) => {
      const details = await pupilDetails(db, ctx.state.user.id, membership.establishmentId, pupilId);
      return await ctx.render({ ...details, membership, q: "", error }, { status });
    });
  },
});

export default defineSignedInPage.page<PupilData>(function PupilPage({ state, data, url }) {
  const t = translator(state.locale);
  const q = establishmentQuery(data.membership);
  const here = `${url.pathname}?${q}`;
  const { pupil } = data;
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{`${pupil.name} – ${t("classes.heading")}`}</title>
      </Head>
      <div class="max-w-3xl rounded-2xl bg-white p-6 shadow">
        <p class="text-sm">
          <a href={`/${state.locale}/admin/classes?${q}`} class={LINK_CLASS}>{t("classes.back")}</a>
        </p>
        <h1 class="mt-2 text-xl font-bold text-slate-900">{pupil.name}</h1>
        {data.done === "saved" && (
          <p role="status" class="mt-4 text-sm font-medium text-green-800">{t("classes.done.saved")}</p>
        )}
        {data.error && <FormAlert id="pupil-error" message={data.error} />}
        <dl class="mt-4 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
          <dt class="font-semibold">{t("classes.pupilNumber")}</dt>
          <dd>{pupil.externalRef ?? "–"}</dd>
          <dt class="font-semibold">{t("pupil.classes")}</dt>
          <dd>
            <ul>
              {pupil.classes.map((c) => (
                <li key={c.id}>
                  <a href={`/${state.locale}/admin/classes/${c.id}?${q}`} class={LINK_CLASS}>{c.name}</a> ·
                  {" "}
                  {c.schoolYear}
                </li>
              ))}
            </ul>
          </dd>
          <dt class="font-semibold">{t("pupil.account")}</dt>
          <dd data-pupil-account={pupil.userId ?? ""}>
            {pupil.userName ?? t("pupil.noAccount")}
            {pupil.userId && (
              <form method="post" action={here} class="inline">
                <input type="hidden" name="userId" value="" />
                <button type="submit" name="action" value="account" class={`ml-3 ${SECONDARY_BUTTON}`}>
                  {t("pupil.unlinkAccount")}
                </button>
              </form>
            )}
          </dd>
        </dl>

        <h2 class="mt-6 text-lg font-semibold text-slate-900">{t("pupil.guardians")}</h2>
        {data.guardians.length === 0
          ? <p class="mt-2 text-sm text-slate-600">{t("pupil.noGuardians")}</p>
          : (
            <ul class="mt-2 divide-y divide-slate-200" data-guardians>
              {data.guardians.map((g) => (
                <li key={g.id} class="flex items-center gap-3 py-2" data-guardian={g.email}>
                  <span class="flex-1">
                    {g.name} · {g.email}
                    {g.pending && <span class="ml-2 text-slate-600">({t("pupil.pending")})</span>}
                  </span>
                  <form method="post" action={here}>
                    <input type="hidden" name="guardianshipId" value={g.id} />
                    <button type="submit" name="action" value="unlink" class={SECONDARY_BUTTON}>
                      {t("pupil.unlink")}
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          )}

        <form method="get" action={url.pathname} class="mt-6 flex flex-wrap items-end gap-3" role="search">
          <input type="hidden" name="establishment" value={data.membership.establishmentId} />
          <label class="flex-1 text-sm font-semibold">
            {t("pupil.findPerson")}
            <input name="q" value={data.q} maxLength={100} class={FIELD_CLASS} />
          </label>
          <button type="submit" class={SECONDARY_BUTTON}>{t("classes.search")}</button>
        </form>
        {data.q.trim().length >= 2 && data.parentCandidates.length + data.studentCandidates.length === 0 && (
          <p class="mt-2 text-sm text-slate-600">{t("pupil.noMatch")}</p>
        )}
        <ul class="mt-2">
          {data.parentCandidates.map((p) => (
            <li key={p.id} class="flex items-center gap-3 py-1" data-parent-candidate={p.id}>
              <span class="flex-1">{p.name} · {p.email}</span>
              <form method="post" action={here}>
                <input type="hidden" name="userId" value={p.id} />
                <button type="submit" name="action" value="link" class={SECONDARY_BUTTON}>
                  {t("pupil.link")}
                </button>
              </form>
            </li>
          ))}
          {data.studentCandidates.map((p) => (
            <li key={p.id} class="flex items-center gap-3 py-1" data-student-candidate={p.id}>
              <span class="flex-1">{p.name} · {p.email} · {t("role.student")}</span>
              <form method="post" action={here}>
                <input type="hidden" name="userId" value={p.id} />
                <button type="submit" name="action" value="account" class={SECONDARY_BUTTON}>
                  {t("pupil.linkAccount")}
                </button>
              </form>
            </li>
          ))}
        </ul>

        <form method="post" action={here} class="mt-8">
          <button type="submit" name="action" value="delete" class={SECONDARY_BUTTON}>
            {t("pupil.delete")}
          </button>
        </form>
      </div>
    </div>
  );
});
