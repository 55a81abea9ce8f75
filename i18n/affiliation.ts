/**
 * The one wording of where a person stands in a school, used wherever people are named (admin people
 * pages, chat header and member list, conversation list, recipient search): "parent de Léa, CM2 A",
 * "enseignant, CM2 A (Anglais)", "élève, CM2 A" — "parent of Léa, CM2 A", "teacher, CM2 A" in English.
 * Pure: it words the affiliation the server computed (`db/pupils.ts`, `protocol/wire.ts`).
 */
import type { Translate } from "./mod.ts";

/** The affiliation as the server sends it (structurally `db/models.ts` `Affiliation` and the wire's). */
export interface AffiliationData {
  classes?: { name: string; subject?: string }[];
  children?: { name: string; classes: string[] }[];
}

type Role = "admin" | "teacher" | "parent" | "student";

/**
 * "parent de Léa, CM2 A" for `role` and `affiliation`; just the role's name ("Parent", "Direction")
 * when there is no affiliation. Several children: "parent de Léa (CM2 A) et de Tom (CE1)".
 */
export function affiliationLabel(
  role: Role,
  affiliation: AffiliationData | null | undefined,
  t: Translate,
): string {
  const list = (items: string[]) =>
    items.length <= 1
      ? items.join("")
      : `${items.slice(0, -1).join(", ")}${t("affiliation.and")}${items.at(-1)}`;
  const children = affiliation?.children ?? [];
  const classes = (affiliation?.classes ?? []).map((c) => c.subject ? `${c.name} (${c.subject})` : c.name);
  const roleWord = t(`affiliation.role.${role}`);
  if (children.length === 1) {
    const [child] = children;
    return child!.classes.length > 0
      ? t("affiliation.parentOfIn", { name: child!.name, classes: child!.classes.join(", ") })
      : t("affiliation.parentOf", { name: child!.name });
  }
  if (children.length > 1) {
    const each = children.map((c) =>
      c.classes.length > 0
        ? t("affiliation.childIn", { name: c.name, classes: c.classes.join(", ") })
        : t("affiliation.child", { name: c.name })
    );
    return t("affiliation.parentOfMany", { children: list(each) });
  }
  return classes.length > 0 ? `${roleWord}, ${classes.join(", ")}` : t(`role.${role}`);
}

/** "Hélène Dupont — parent de Léa, CM2 A". */
export function personWithAffiliation(
  person: { name: string; role: Role; affiliation?: AffiliationData | null },
  t: Translate,
): string {
  return `${person.name} — ${affiliationLabel(person.role, person.affiliation, t)}`;
}
