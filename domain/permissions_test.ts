import fc from "fast-check";
import { assert, assertEquals } from "../tests/support/assert.ts";
import { type Role, ROLES } from "../db/models.ts";
import {
  addPupilToSchoolClass,
  assignTeacherToSchoolClass,
  createPupilInClass,
  createSchoolClass,
  linkGuardianToPupil,
  makeConversation,
  makeEstablishment,
  makeUser,
} from "../db/factories.ts";
import { setMembership } from "../db/users.ts";
import {
  DEFAULT_MESSAGING_SETTINGS,
  type MessagingSettings,
  saveMessagingSettings,
} from "../db/establishment_settings.ts";
import { currentSchoolYear, type RelationFacts } from "../db/school_graph.ts";
import { dbTest } from "../tests/support/databases.ts";
import { AppError } from "./errors.ts";
import { EventHub } from "./events.ts";
import { createMessaging } from "./messaging.ts";
import { canWrite, isStaff, mayWrite, sendRefusal, startRefusal } from "./permissions.ts";

const role = fc.constantFrom(...ROLES);
const settings: fc.Arbitrary<MessagingSettings> = fc.record({
  mode: fc.constantFrom("open", "open", "staff_start", "families_silenced"),
  parentsInClass: fc.boolean(),
  studentsInClass: fc.boolean(),
  parentsToAllTeachers: fc.boolean(),
  hours: fc.constant(DEFAULT_MESSAGING_SETTINGS.hours),
});
const facts: fc.Arbitrary<RelationFacts> = fc.record({
  role,
  teaches: fc.boolean(),
  taughtBy: fc.boolean(),
  sameClass: fc.boolean(),
});
const OPEN = DEFAULT_MESSAGING_SETTINGS;
const none = (r: Role): RelationFacts => ({ role: r, teaches: false, taughtBy: false, sameClass: false });

Deno.test("permissions - without any class link, only staff ↔ staff and anyone ↔ admins are allowed", () => {
  for (const from of ROLES) {
    for (const to of ROLES) {
      const expected = from === "admin" || to === "admin" || (from === "teacher" && to === "teacher");
      assertEquals(mayWrite(from, none(to), OPEN), expected, `${from} → ${to}`);
    }
  }
});

Deno.test("permissions - a class link opens teacher ↔ their students and their students' guardians", () => {
  assertEquals(mayWrite("teacher", { ...none("parent"), teaches: true }, OPEN), true);
  assertEquals(mayWrite("teacher", { ...none("student"), teaches: true }, OPEN), true);
  assertEquals(mayWrite("parent", { ...none("teacher"), taughtBy: true }, OPEN), true);
  assertEquals(mayWrite("student", { ...none("teacher"), taughtBy: true }, OPEN), true);
  // Sharing a class is not enough between families unless the establishment loosens it.
  assertEquals(mayWrite("parent", { ...none("parent"), sameClass: true }, OPEN), false);
  assertEquals(
    mayWrite("parent", { ...none("parent"), sameClass: true }, { ...OPEN, parentsInClass: true }),
    true,
  );
  assertEquals(mayWrite("student", { ...none("student"), sameClass: true }, OPEN), false);
  assertEquals(
    mayWrite("student", { ...none("student"), sameClass: true }, { ...OPEN, studentsInClass: true }),
    true,
  );
  assertEquals(mayWrite("parent", none("teacher"), { ...OPEN, parentsToAllTeachers: true }), true);
  // Parents and students never write to each other's side.
  fc.assert(fc.property(facts, settings, (to, s) => {
    if (to.role === "student") assertEquals(mayWrite("parent", to, s), false);
    if (to.role === "parent") assertEquals(mayWrite("student", to, s), false);
  }));
});

Deno.test("permissions - canWrite is an upper bound of mayWrite for every relation and setting", () => {
  fc.assert(fc.property(role, facts, settings, (from, to, s) => {
    if (mayWrite(from, to, s)) assert(canWrite(from, to.role), `${from} → ${to.role}`);
  }));
});

Deno.test("permissions - starting needs someone else, the mode's leave and the right to write to every one", () => {
  fc.assert(fc.property(role, fc.array(facts, { maxLength: 6 }), settings, (from, others, s) => {
    const family = !isStaff(from);
    const expected = family && s.mode === "families_silenced"
      ? "families_silenced"
      : family && s.mode === "staff_start"
      ? "staff_start"
      : others.length > 0 && others.every((o) => mayWrite(from, o, s))
      ? null
      : "not_allowed";
    assertEquals(startRefusal(from, others, s), expected);
  }));
});

Deno.test("permissions - anyone may reply in a staff-created group, staff may answer, families never while silenced", () => {
  fc.assert(fc.property(
    role,
    fc.option(role, { nil: null }),
    fc.array(facts, { maxLength: 6 }),
    settings,
    (sender, createdByRole, others, s) => {
      const silenced = !isStaff(sender) && s.mode === "families_silenced";
      const allowed = !silenced && (
        (createdByRole !== null && isStaff(createdByRole)) ||
        (isStaff(sender) && createdByRole !== null) ||
        others.every((o) => mayWrite(sender, o, s))
      );
      assertEquals(sendRefusal({ role: sender, createdByRole, others }, s) === null, allowed);
    },
  ));
  // A parent may reply in a teacher's group with another parent but not start one.
  const group = [none("parent"), { ...none("teacher"), taughtBy: true }];
  assertEquals(startRefusal("parent", group, OPEN), "not_allowed");
  assertEquals(sendRefusal({ role: "parent", createdByRole: "teacher", others: group }, OPEN), null);
  assertEquals(sendRefusal({ role: "parent", createdByRole: "parent", others: group }, OPEN), "not_allowed");
  // The creator left the establishment: the plain rules apply again.
  assertEquals(sendRefusal({ role: "parent", createdByRole: null, others: group }, OPEN), "not_allowed");
});

Deno.test("permissions - staff are admins and teachers only", () => {
  assertEquals(ROLES.filter(isStaff), ["admin", "teacher"]);
});

// ---- The rule against the real search, creation and send, over random schools. ----

/** A random school: people with a role (or none), classes, who teaches / studies / guards where. */
const school = fc.record({
  people: fc.array(fc.option(role, { nil: undefined }), { minLength: 2, maxLength: 7 }),
  classes: fc.integer({ min: 1, max: 3 }),
  seed: fc.array(fc.nat(), { minLength: 32, maxLength: 32 }),
  settings,
});

/** The rules as issue 12 states them, computed from the school's plan, not from the code. */
function expectedWrite(
  a: Person,
  b: Person,
  s: MessagingSettings,
): boolean {
  if (a.role === undefined || b.role === undefined) return false;
  if (a.role === "admin" || b.role === "admin") return true;
  const meets = (x: Set<number>, y: Set<number>) => [...x].some((c) => y.has(c));
  const teaches = (t: Person, x: Person) => t.role === "teacher" && meets(t.teaches, x.family);
  switch (a.role) {
    case "teacher":
      return b.role === "teacher" || teaches(a, b);
    case "parent":
      if (b.role === "teacher") return teaches(b, a) || s.parentsToAllTeachers;
      return b.role === "parent" && s.parentsInClass && meets(a.family, b.family);
    case "student":
      if (b.role === "teacher") return teaches(b, a);
      return b.role === "student" && s.studentsInClass && meets(a.family, b.family);
  }
}

interface Person {
  id: string;
  role: Role | undefined;
  /** Classes taught (teachers). */
  teaches: Set<number>;
  /** Classes studied in (students) or of the children (parents). */
  family: Set<number>;
}

const family = (r: Role | undefined) => r === "parent" || r === "student";

dbTest(
  "permissions - in random schools (classes, guardians, teachers, students, settings), search, creation and send agree with the rules for every pair",
  async (db) => {
    const messaging = createMessaging(db, new EventHub());
    const elsewhere = await makeEstablishment(db);
    const lastYear = (() => {
      const [start] = currentSchoolYear().split("-").map(Number);
      return `${start! - 1}-${start}`;
    })();
    let sent = 0;
    const seen = { allowed: 0, refused: 0, outsiders: 0, viaClass: 0 };
    const attempt = (work: () => Promise<unknown>) =>
      work().then(() => true, (error) => {
        if (error instanceof AppError && error.code === "forbidden") return false;
        throw error;
      });
    await fc.assert(
      fc.asyncProperty(school, async (plan) => {
        let r = 0;
        const pick = (n: number) => (plan.seed[r++ % plan.seed.length]! + r) % n;
        const est = await makeEstablishment(db);
        await saveMessagingSettings(db, est.id, plan.settings);
        const classes = [];
        for (let c = 0; c < plan.classes; c++) {
          classes.push(await createSchoolClass(db, { establishmentId: est.id }));
        }
        // Last year's class holds everyone: it must never count.
        const old = await createSchoolClass(db, { establishmentId: est.id, schoolYear: lastYear });
        const people: Person[] = [];
        for (const personRole of plan.people) {
          // Everyone teaches in another school too: what they hold elsewhere must never count.
          const user = await makeUser(db, { establishmentId: elsewhere.id, role: "teacher" });
          if (personRole) {
            await setMembership(db, { userId: user.id, establishmentId: est.id, role: personRole });
          }
          people.push({ id: user.id, role: personRole, teaches: new Set(), family: new Set() });
        }
        const pupils: { id: string; classes: Set<number> }[] = [];
        for (const person of people) {
          const mine = new Set([pick(plan.classes), pick(plan.classes)].slice(0, 1 + pick(2)));
          if (person.role === "teacher") {
            for (const c of mine) {
              await assignTeacherToSchoolClass(db, { classId: classes[c]!.id, teacherId: person.id });
            }
            await assignTeacherToSchoolClass(db, { classId: old.id, teacherId: person.id });
            person.teaches = mine;
          } else if (person.role === "student") {
            const [first, ...more] = [...mine];
            const pupil = await createPupilInClass(db, {
              establishmentId: est.id,
              classId: classes[first!]!.id,
              userId: person.id,
            });
            for (const c of more) {
              await addPupilToSchoolClass(db, { classId: classes[c]!.id, pupilId: pupil.id });
            }
            await addPupilToSchoolClass(db, { classId: old.id, pupilId: pupil.id });
            person.family = mine;
            pupils.push({ id: pupil.id, classes: mine });
          }
        }
        for (const person of people.filter((p) => p.role === "parent")) {
          // A child with an account (a student of the school) or one without, in a random class.
          const useStudent = pupils.length > 0 && pick(2) === 0;
          const child = useStudent ? pupils[pick(pupils.length)]! : await (async () => {
            const c = pick(plan.classes);
            const pupil = await createPupilInClass(db, { establishmentId: est.id, classId: classes[c]!.id });
            await addPupilToSchoolClass(db, { classId: old.id, pupilId: pupil.id });
            return { id: pupil.id, classes: new Set([c]) };
          })();
          await linkGuardianToPupil(db, { pupilId: child.id, guardianId: person.id });
          person.family = child.classes;
        }

        const listed = new Map<string, Set<string>>();
        for (const caller of people) {
          if (caller.role === undefined) continue;
          listed.set(
            caller.id,
            new Set((await messaging.searchRecipients(caller.id, est.id, "")).map((x) => x.id)),
          );
        }
        const startAllowed = (a: Person, b: Person) =>
          expectedWrite(a, b, plan.settings) &&
          !(family(a.role) && plan.settings.mode !== "open");
        for (const [i, a] of people.entries()) {
          for (const b of people.slice(i + 1)) {
            for (const [x, y] of [[a, b], [b, a]] as const) {
              if (x.role === undefined) continue;
              const allowed = startAllowed(x, y);
              const pair = `${x.role} → ${y.role ?? "not a member"} (${JSON.stringify(plan.settings)})`;
              seen[y.role === undefined ? "outsiders" : allowed ? "allowed" : "refused"]++;
              if (
                allowed && x.role !== "admin" && y.role !== "admin" &&
                !(x.role === "teacher" && y.role === "teacher")
              ) {
                seen.viaClass++;
              }
              assertEquals(listed.get(x.id)!.has(y.id), allowed, `appears in the search: ${pair}`);
              const creates = await attempt(() =>
                messaging.createConversation(x.id, { establishmentId: est.id, participantIds: [y.id] })
              );
              assertEquals(creates, allowed, `may create a conversation: ${pair}`);
            }
            // A non-member is never a current participant, so sending only applies to members.
            if (a.role === undefined || b.role === undefined) continue;
            // Their two-person conversation (made by whoever could, else by `a` without the rules, as
            // one is after the rules change): sending follows the rules of the moment for each side.
            const creator = startAllowed(a, b) ? a : startAllowed(b, a) ? b : a;
            const chat = await makeConversation(db, {
              establishmentId: est.id,
              members: [a.id, b.id],
              createdBy: creator.id,
            });
            for (const [x, y] of [[a, b], [b, a]] as const) {
              const silenced = family(x.role) && plan.settings.mode === "families_silenced";
              const expected = !silenced &&
                (isStaff(creator.role!) || (isStaff(x.role!) && x !== creator) ||
                  expectedWrite(x, y, plan.settings));
              const sends = await attempt(() =>
                messaging.sendMessage(x.id, {
                  conversationId: chat.id,
                  clientId: `p-${++sent}`,
                  body: "Bonjour",
                })
              );
              assertEquals(sends, expected, `may send: ${x.role} → ${y.role}, created by ${creator.role}`);
            }
          }
        }
      }),
      { numRuns: 14 },
    );
    // Not vacuous: the random schools held pairs of every kind, class links included.
    assert(
      seen.allowed > 0 && seen.refused > 0 && seen.outsiders > 0 && seen.viaClass > 0,
      JSON.stringify(seen),
    );
  },
);
