/**
 * `/[locale]/admin/classes/import`: class-list import for the establishment's admins. The page documents
 * the columns and offers templates (`?template=fr|en`); posting a CSV (`action=preview`) shows what
 * applying will create, update and leave alone, with each bad row's errors, and nothing is written. The
 * preview form carries the same file back (`action=apply`), which `domain/class_import.ts` reads and
 * checks again inside the applying transaction — the preview shown is never trusted. Anyone else: 404.
 */
import { Head } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import { badRequest } from "@/domain/errors.ts";
import {
  applyClassImport,
  type ImportCounts,
  type ImportPreview,
  previewClassImport,
  type RowError,
} from "@/domain/class_import.ts";
import { classListTemplate, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from "@/domain/class_import_csv.ts";
import { classesOverview } from "@/domain/school.ts";
import { type Translate, translator } from "@/i18n/mod.ts";
import { PRIMARY_BUTTON, SECONDARY_BUTTON } from "@/components/styles.ts";
import { adminMembership } from "@/routes/[locale]/_lib/outbox.ts";
import { FIELD_CLASS, FormAlert, LABEL_CLASS, LINK_CLASS } from "@/routes/[locale]/_lib/AccountCard.tsx";
import { defineSignedInPage } from "@/routes/[locale]/_lib/state.ts";
import { redirect } from "@/routes/[locale]/_lib/paths.ts";
import { establishmentQuery, handleSchoolForm } from "./_lib/school_form.ts";

/** Rows of the preview shown besides the errors (all of which are shown). */
const SHOWN_ROWS = 200;

interface ImportData {
  membership: Membership;
  schoolYears: string[];
  schoolYear: string;
  preview?: ImportPreview;
  /** The previewed file, base64, posted back to apply. */
  file?: string;
  done?: ImportCounts;
  error?: string;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw badRequest("file: the previewed file did not come back intact; choose the file and preview again");
  }
}

/** The uploaded file (`action=preview`) or the previewed one posted back (`action=apply`). */
async function fileOf(form: FormData): Promise<Uint8Array> {
  const upload = form.get("file");
  if (upload instanceof File) {
    if (upload.size > MAX_IMPORT_BYTES) {
      throw badRequest(`file: the file is over ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split the class list`);
    }
    return new Uint8Array(await upload.arrayBuffer());
  }
  const posted = form.get("data");
  if (typeof posted === "string" && posted !== "") return fromBase64(posted);
  throw badRequest("file: choose the CSV file of the class list");
}

function doneCounts(params: URLSearchParams): ImportCounts | undefined {
  const keys = [
    "rows",
    "created",
    "updated",
    "unchanged",
    "errors",
    "guardiansLinked",
    "invitations",
  ] as const;
  if (!params.has("created")) return undefined;
  return Object.fromEntries(keys.map((k) => [k, Number(params.get(k)) || 0])) as unknown as ImportCounts;
}

export const handler = defineSignedInPage.handlers<ImportData>({
  async GET(ctx): Promise<Response> {
    const membership = adminMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const template = ctx.url.searchParams.get("template");
    const overview = await classesOverview(
      ctx.state.services.db,
      ctx.state.user.id,
      membership.establishmentId,
      ctx.url.searchParams.get("year") ?? undefined,
    );
    if (template === "fr" || template === "en") {
      return new Response(classListTemplate(template), {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${
            template === "fr" ? "liste-de-classe" : "class-list"
          }.csv"`,
        },
      });
    }
    return await ctx.render({
      membership,
      schoolYears: overview.schoolYears,
      schoolYear: overview.schoolYear,
      done: doneCounts(ctx.url.searchParams),
    });
  },

  async POST(ctx): Promise<Response> {
    const { db, mail } = ctx.state.services;
    let file: string | undefined;
    let schoolYear = "";
    const page = async (membership: Membership, extra: Partial<ImportData>, status = 200) => {
      const overview = await classesOverview(db, ctx.state.user.id, membership.establishmentId, schoolYear);
      return await ctx.render({
        membership,
        schoolYears: overview.schoolYears,
        schoolYear: overview.schoolYear,
        ...extra,
      }, { status });
    };
    return await handleSchoolForm(ctx, async ({ membership, actor, field, form }) => {
      schoolYear = field("schoolYear");
      const bytes = await fileOf(form);
      const input = { establishmentId: membership.establishmentId, schoolYear, file: bytes };
      if (field("action") === "apply") {
        const counts = await applyClassImport(db, mail, actor, { ...input, locale: ctx.state.locale });
        const p = new URLSearchParams(Object.entries(counts).map(([k, v]) => [k, String(v)]));
        return redirect(`${ctx.url.pathname}?${establishmentQuery(membership)}&year=${schoolYear}&${p}`, 303);
      }
      const preview = await previewClassImport(db, actor.userId, input);
      file = toBase64(bytes);
      return await page(membership, { preview, file });
    }, async (membership, error, status) => await page(membership, { error, file }, status));
  },
});

function rowError(t: Translate, e: RowError): string {
  switch (e.code) {
    case "unknown_class":
      return t("import.error.unknown_class", { className: e.className, schoolYear: e.schoolYear });
    case "invalid_email":
      return t("import.error.invalid_email", { guardian: e.guardian, email: e.email });
    case "missing_guardian_name":
      return t("import.error.missing_guardian_name", { guardian: e.guardian });
    case "too_long":
      return t("import.error.too_long", { column: e.column, max: e.max });
    case "duplicate_row":
      return t("import.error.duplicate_row", { firstLine: e.firstLine });
    default:
      return t(`import.error.${e.code}`);
  }
}

function Summary(props: { t: Translate; counts: ImportCounts; done?: boolean }) {
  const { t, counts: c } = props;
  const params = {
    rows: c.rows,
    created: c.created,
    updated: c.updated,
    unchanged: c.unchanged,
    errors: c.errors,
    linked: c.guardiansLinked,
    invitations: c.invitations,
  };
  return props.done
    ? (
      <p role="status" class="mt-4 text-sm font-medium text-green-800" data-import-done>
        {t("import.done", params)}
      </p>
    )
    : <p class="mt-2 text-sm font-medium text-slate-900" data-import-summary>{t("import.summary", params)}
    </p>;
}

export default defineSignedInPage.page<ImportData>(function ImportPage({ state, data, url }) {
  const t = translator(state.locale);
  const q = establishmentQuery(data.membership);
  const here = `${url.pathname}?${q}`;
  const preview = data.preview;
  const shown = preview
    ? [
      ...preview.rows.filter((r) => r.status === "error"),
      ...preview.rows.filter((r) => r.status !== "error").slice(0, SHOWN_ROWS),
    ].sort((a, b) => a.line - b.line)
    : [];
  return (
    <div class="w-full overflow-y-auto p-6">
      <Head>
        <title>{`${t("import.heading")} – ${data.membership.establishmentName}`}</title>
      </Head>
      <div class="max-w-5xl rounded-2xl bg-white p-6 shadow">
        <p class="text-sm">
          <a href={`/${state.locale}/admin/classes?${q}&year=${data.schoolYear}`} class={LINK_CLASS}>
            {t("classes.back")}
          </a>
        </p>
        <h1 class="mt-2 text-xl font-bold text-slate-900">{t("import.heading")}</h1>
        <p class="mt-1 text-sm text-slate-600">{t("import.intro")}</p>
        {data.done && <Summary t={t} counts={data.done} done />}
        {data.error && <FormAlert id="import-error" message={data.error} />}
        {preview
          ? (
            <section class="mt-4" data-import-preview>
              <h2 class="text-lg font-semibold text-slate-900">
                {t("import.previewHeading", { encoding: preview.encoding, separator: preview.separator })} ·
                {" "}
                {preview.schoolYear}
              </h2>
              <Summary t={t} counts={preview.counts} />
              <p class="mt-1 text-sm text-slate-600">{t("import.previewHint")}</p>
              {preview.rows.length > shown.length && (
                <p class="mt-1 text-sm text-slate-600">{t("import.showingFirst", { count: SHOWN_ROWS })}</p>
              )}
              <form method="post" action={here} class="mt-3 flex gap-3">
                <input type="hidden" name="data" value={data.file ?? ""} />
                <input type="hidden" name="schoolYear" value={preview.schoolYear} />
                <button type="submit" name="action" value="apply" class={PRIMARY_BUTTON}>
                  {t("import.apply")}
                </button>
                <a href={here} class={`${SECONDARY_BUTTON} inline-block`}>
                  {t("classes.back").replace("← ", "")}
                </a>
              </form>
              <table class="mt-4 w-full text-left text-sm">
                <thead>
                  <tr class="border-b border-slate-200 text-slate-600">
                    <th scope="col" class="py-2 pr-3">{t("import.line")}</th>
                    <th scope="col" class="py-2 pr-3">{t("import.pupil")}</th>
                    <th scope="col" class="py-2 pr-3">{t("import.class")}</th>
                    <th scope="col" class="py-2">{t("import.what")}</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((r) => (
                    <tr
                      key={r.line}
                      class={`border-b border-slate-100 ${r.status === "error" ? "bg-red-50" : ""}`}
                      data-import-row={r.line}
                      data-status={r.status}
                    >
                      <td class="py-1 pr-3">{r.line}</td>
                      <td class="py-1 pr-3">{r.pupil}</td>
                      <td class="py-1 pr-3">{r.className}</td>
                      <td class="py-1">
                        <strong>{t(`import.status.${r.status}`)}</strong>
                        {r.errors.length > 0 && (
                          <span data-row-errors>: {r.errors.map((e) => rowError(t, e)).join(" ; ")}</span>
                        )}
                        {r.changes.length > 0 &&
                          `: ${r.changes.map((c) => t(`import.change.${c}`)).join(", ")}`}
                        {r.guardians.filter((g) => g.how !== "linked").map((g) => (
                          <span key={g.email} class="ml-2 text-slate-600">
                            {g.how === "invite"
                              ? t("import.guardian.invite", { email: g.email })
                              : t("import.guardian.link", { email: g.email })}
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )
          : (
            <form method="post" action={here} enctype="multipart/form-data" class="mt-4" data-import-form>
              <label class={LABEL_CLASS} for="import-year">{t("classes.year")}</label>
              <select id="import-year" name="schoolYear" class={FIELD_CLASS}>
                {data.schoolYears.map((y) => (
                  <option key={y} value={y} selected={y === data.schoolYear}>{y}</option>
                ))}
              </select>
              <label class={LABEL_CLASS} for="import-file">{t("import.file")}</label>
              <input
                id="import-file"
                name="file"
                type="file"
                accept=".csv,text/csv"
                required
                class={FIELD_CLASS}
              />
              <button type="submit" name="action" value="preview" class={`mt-4 ${PRIMARY_BUTTON}`}>
                {t("import.preview")}
              </button>
            </form>
          )}
        <section class="mt-8 text-sm text-slate-700">
          <h2 class="text-lg font-semibold text-slate-900">{t("import.columns")}</h2>
          <p class="mt-1">{t("import.columnsIntro")}</p>
          <ul class="mt-2 list-disc space-y-1 pl-5">
            <li>{t("import.col.ref")}</li>
            <li>{t("import.col.name")}</li>
            <li>{t("import.col.class")}</li>
            <li>{t("import.col.guardians")}</li>
          </ul>
          <p class="mt-2">{t("import.matching")}</p>
          <p class="mt-2">
            {t("import.limits", { rows: MAX_IMPORT_ROWS, megabytes: MAX_IMPORT_BYTES / 1024 / 1024 })}
          </p>
          <p class="mt-2 flex gap-4">
            <a href={`${here}&template=fr`} class={LINK_CLASS} download>{t("import.templateFr")}</a>
            <a href={`${here}&template=en`} class={LINK_CLASS} download>{t("import.templateEn")}</a>
          </p>
        </section>
      </div>
    </div>
  );
});
