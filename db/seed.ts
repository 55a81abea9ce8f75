/**
 * The demo data of /work/shared/design/demo-data.md: two establishments, their people and a few lively
 * conversations. Applied by the embedded default on first start and by `deno task db:seed`; never
 * implicitly to a `DATABASE_URL` database.
 */
import type { Database, Queryable } from "./types.ts";
import type { Role } from "./models.ts";
import { createEstablishment } from "./establishments.ts";
import { createUser, setMembership } from "./users.ts";
import { createConversationInTransaction } from "./conversations.ts";
import { appendMessageOnce } from "./messages.ts";
import { addPupilToClass, assignTeacher, createClass } from "./classes.ts";
import { createPupil, linkGuardian, setPupilAccount } from "./pupils.ts";

/** The demo establishments, keyed by how the tables below refer to them. */
/** The password of every demo account (documented in the README and demo-data.md). */
export const DEMO_PASSWORD = "preau-demo";

export const DEMO_ESTABLISHMENTS = {
  ferry: { name: "École Jules-Ferry", slug: "ecole-jules-ferry" },
  hugo: { name: "Collège Victor-Hugo", slug: "college-victor-hugo" },
} as const;

type School = keyof typeof DEMO_ESTABLISHMENTS;

/** The demo people and their roles; all share the password `preau-demo`. */
export const DEMO_USERS: readonly { email: string; name: string; roles: Partial<Record<School, Role>> }[] = [
  { email: "direction@jules-ferry.test", name: "Claire Lefèvre", roles: { ferry: "admin" } },
  { email: "m.martin@jules-ferry.test", name: "Marc Martin", roles: { ferry: "teacher" } },
  { email: "s.bernard@jules-ferry.test", name: "Sophie Bernard", roles: { ferry: "teacher" } },
  { email: "parent.dupont@example.test", name: "Hélène Dupont", roles: { ferry: "parent", hugo: "parent" } },
  { email: "parent.durand@example.test", name: "Karim Durand", roles: { ferry: "parent" } },
  { email: "lea.dupont@jules-ferry.test", name: "Léa Dupont", roles: { ferry: "student" } },
  { email: "direction@victor-hugo.test", name: "Paul Girard", roles: { hugo: "admin" } },
  { email: "p.petit@victor-hugo.test", name: "Nadia Petit", roles: { hugo: "teacher" } },
  { email: "parent.moreau@example.test", name: "Julien Moreau", roles: { hugo: "parent" } },
];

/** The demo school year of {@linkcode DEMO_CLASSES}. */
export const DEMO_SCHOOL_YEAR = "2026-2027";

/**
 * The demo classes: [school, name, teachers as [email, subject], pupils as [given name, family name,
 * own account email or null, guardians' emails]].
 */
export const DEMO_CLASSES: readonly [
  School,
  string,
  [string, string | null][],
  [string, string, string | null, string[]][],
][] = [
  ["ferry", "CM2 A", [["m.martin@jules-ferry.test", null], ["s.bernard@jules-ferry.test", "Anglais"]], [
    ["Léa", "Dupont", "lea.dupont@jules-ferry.test", ["parent.dupont@example.test"]],
    ["Tom", "Durand", null, ["parent.durand@example.test"]],
  ]],
  ["hugo", "5e B", [["p.petit@victor-hugo.test", "Mathématiques"]], [
    ["Hugo", "Dupont", null, ["parent.dupont@example.test"]],
    ["Camille", "Moreau", null, ["parent.moreau@example.test"]],
  ]],
];

/**
 * Demo conversations, most recent first: [school, creator email, other emails, title, messages as
 * [sender email, body]].
 */
const DEMO_CONVERSATIONS: readonly [School, string, string[], string | null, [string, string][]][] = [
  ["ferry", "m.martin@jules-ferry.test", ["parent.dupont@example.test"], null, [
    ["m.martin@jules-ferry.test", "Bonjour Madame Dupont, Léa a oublié son cahier de liaison aujourd'hui."],
    ["parent.dupont@example.test", "Merci de me prévenir, je le glisse dans son cartable ce soir."],
    ["m.martin@jules-ferry.test", "Parfait. Pensez aussi à signer l'autorisation pour la sortie au musée."],
    ["m.martin@jules-ferry.test", "La sortie a lieu jeudi, départ à 9 h devant l'école."],
  ]],
  ["hugo", "p.petit@victor-hugo.test", ["parent.dupont@example.test"], null, [
    ["p.petit@victor-hugo.test", "Bonjour, la réunion parents-professeurs est fixée au mardi 14 à 18 h."],
    ["p.petit@victor-hugo.test", "Pouvez-vous me confirmer votre présence ?"],
  ]],
  [
    "ferry",
    "direction@jules-ferry.test",
    ["m.martin@jules-ferry.test", "s.bernard@jules-ferry.test"],
    "Équipe pédagogique",
    [
      ["direction@jules-ferry.test", "Conseil des maîtres lundi à 17 h en salle 3."],
      ["s.bernard@jules-ferry.test", "Noté, j'apporte les projets de classe verte."],
      ["m.martin@jules-ferry.test", "Je serai là aussi."],
    ],
  ],
  ["ferry", "s.bernard@jules-ferry.test", ["parent.durand@example.test"], null, [
    ["parent.durand@example.test", "Bonjour, mon fils sera absent vendredi pour un rendez-vous médical."],
    ["s.bernard@jules-ferry.test", "Merci, c'est noté. Bonne journée !"],
  ]],
];

/**
 * Seeds the demo data in one transaction, so a failure leaves nothing behind. Idempotent: when both
 * demo establishment slugs exist (or a concurrent seed is committing them) it changes nothing and
 * returns created=false. Throws when only one of them exists, since that database holds other data.
 * `passwordHash` is called only when seeding, so an already seeded start pays no Argon2 work.
 */
export async function seedDemo(
  db: Database,
  options: { passwordHash: () => Promise<string> },
): Promise<{ created: boolean }> {
  return await db.transaction(async (tx) => {
    const slugs = Object.values(DEMO_ESTABLISHMENTS).map((e) => e.slug);
    const present = await tx.query<{ slug: string }>(
      `SELECT slug FROM establishments WHERE slug = $1 OR slug = $2`,
      slugs,
    );
    if (present.length === slugs.length) return { created: false };
    if (present.length > 0) {
      throw new Error(
        `establishment "${present[0]!.slug}" exists but the rest of the demo data does not; ` +
          "seed an empty database or delete that establishment first",
      );
    }
    const claimed = await tx.query<{ id: string }>(
      `INSERT INTO establishments (name, slug) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING id`,
      [DEMO_ESTABLISHMENTS.ferry.name, DEMO_ESTABLISHMENTS.ferry.slug],
    );
    if (!claimed[0]) return { created: false }; // a concurrent seed committed first
    const schools: Record<School, string> = {
      ferry: claimed[0].id,
      hugo: (await createEstablishment(tx, DEMO_ESTABLISHMENTS.hugo)).id,
    };
    const users = await seedUsers(tx, schools, await options.passwordHash());
    await seedConversations(tx, schools, users);
    await seedClasses(tx, schools, users);
    return { created: true };
  });
}

/** Creates the demo people and memberships; returns their ids by email. */
async function seedUsers(
  tx: Queryable,
  schools: Record<School, string>,
  passwordHash: string,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const person of DEMO_USERS) {
    const user = await createUser(tx, { email: person.email, name: person.name, passwordHash, locale: "fr" });
    ids.set(person.email, user.id);
    for (const [school, role] of Object.entries(person.roles) as [School, Role][]) {
      await setMembership(tx, { userId: user.id, establishmentId: schools[school], role });
    }
  }
  return ids;
}

/**
 * Creates the demo conversations with the normal insert logic (gapless seqs, senders' read markers),
 * dated over the past hours so the list is ordered; recipients have read nothing, so Hélène Dupont
 * starts with unread messages in both schools.
 */
async function seedConversations(
  tx: Queryable,
  schools: Record<School, string>,
  users: Map<string, string>,
): Promise<void> {
  const id = (email: string) => users.get(email)!;
  const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  for (const [position, [school, creator, others, title, messages]] of DEMO_CONVERSATIONS.entries()) {
    const minutesAgo = 90 + position * 600;
    const { id: conversationId } = await createConversationInTransaction(tx, {
      establishmentId: schools[school],
      createdBy: id(creator),
      participantIds: others.map(id),
      title,
    });
    await tx.query(`UPDATE conversations SET created_at = $2, updated_at = $2 WHERE id = $1`, [
      conversationId,
      at(minutesAgo + 1),
    ]);
    for (const [index, [sender, body]] of messages.entries()) {
      await appendMessageOnce(tx, {
        conversationId,
        senderId: id(sender),
        clientId: `demo-seed-${index + 1}-${conversationId}`,
        body,
        createdAt: at(minutesAgo - index * 7),
      });
    }
  }
}

/** Creates the demo classes with their teachers, pupils (Léa with her own account) and guardians. */
async function seedClasses(
  tx: Queryable,
  schools: Record<School, string>,
  users: Map<string, string>,
): Promise<void> {
  for (const [school, name, teachers, pupils] of DEMO_CLASSES) {
    const establishmentId = schools[school];
    const schoolClass = await createClass(tx, { establishmentId, name, schoolYear: DEMO_SCHOOL_YEAR });
    for (const [email, subject] of teachers) {
      await assignTeacher(tx, { classId: schoolClass.id, teacherId: users.get(email)!, subject });
    }
    for (const [givenName, familyName, account, guardians] of pupils) {
      const pupil = await createPupil(tx, {
        establishmentId,
        name: `${givenName} ${familyName}`,
        givenName,
        externalRef: null,
      });
      await addPupilToClass(tx, schoolClass.id, pupil.id);
      if (account) await setPupilAccount(tx, establishmentId, pupil.id, users.get(account)!);
      for (const email of guardians) await linkGuardian(tx, pupil.id, users.get(email)!);
    }
  }
}
