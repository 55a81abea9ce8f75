import fc from "fast-check";
import { assert, assertEquals } from "../tests/support/assert.ts";
import { type Role, ROLES } from "../db/models.ts";
import { makeConversation, makeEstablishment, makeUser } from "../db/factories.ts";
import { setMembership } from "../db/users.ts";
import { dbTest } from "../tests/support/databases.ts";
import { AppError } from "./errors.ts";
import { EventHub } from "./events.ts";
import { createMessaging } from "./messaging.ts";
import { canWrite, isStaff, mayCreateConversation, maySend, writableRoles } from "./permissions.ts";

/** The contract's table, copied literally so the implementation is checked against the text, not itself. */
const TABLE: Record<Role, Record<Role, boolean>> = {
  admin: { admin: true, teacher: true, parent: true, student: true },
  teacher: { admin: true, teacher: true, parent: true, student: true },
  parent: { admin: true, teacher: true, parent: false, student: false },
  student: { admin: true, teacher: true, parent: false, student: false },
};

const role = fc.constantFrom(...ROLES);

/** A world of people, each holding at most one role in each of three establishments. */
const world = fc.array(
  fc.record({ roles: fc.array(fc.option(role, { nil: undefined }), { minLength: 3, maxLength: 3 }) }),
  { minLength: 2, maxLength: 6 },
);

Deno.test("permissions - canWrite matches every cell of the contract's matrix", () => {
  for (const from of ROLES) {
    for (const to of ROLES) assertEquals(canWrite(from, to), TABLE[from][to], `${from} → ${to}`);
  }
});

Deno.test("permissions - writableRoles lists exactly the roles the matrix allows", () => {
  fc.assert(fc.property(role, (from) => {
    assertEquals(writableRoles(from), ROLES.filter((to) => TABLE[from][to]));
  }));
});

dbTest(
  "permissions - in random schools, the real recipient search, creating and sending agree with the matrix for every pair",
  async (db) => {
    const messaging = createMessaging(db, new EventHub());
    const elsewhere = await makeEstablishment(db);
    let sent = 0;
    const seen = { allowed: 0, refused: 0, outsiders: 0 };
    const attempt = (work: () => Promise<unknown>) =>
      work().then(() => true, (error) => {
        if (error instanceof AppError && error.code === "forbidden") return false;
        throw error;
      });
    await fc.assert(
      fc.asyncProperty(world, async (spec) => {
        const schools = [
          await makeEstablishment(db),
          await makeEstablishment(db),
          await makeEstablishment(db),
        ];
        // Everyone teaches in another school too: what they hold elsewhere must never count.
        const people: { id: string; roles: (Role | undefined)[] }[] = [];
        for (const { roles } of spec) {
          const user = await makeUser(db, { establishmentId: elsewhere.id, role: "teacher" });
          for (const [i, role] of roles.entries()) {
            if (role) await setMembership(db, { userId: user.id, establishmentId: schools[i]!.id, role });
          }
          people.push({ id: user.id, roles });
        }
        for (const [i, school] of schools.entries()) {
          for (const caller of people) {
            const callerRole = caller.roles[i];
            if (callerRole === undefined) continue;
            const listed = new Set(
              (await messaging.searchRecipients(caller.id, school.id, "")).map((r) => r.id),
            );
            for (const target of people) {
              if (target === caller) continue;
              const targetRole = target.roles[i];
              const allowed: boolean = targetRole !== undefined && TABLE[callerRole][targetRole];
              const pair: string = `${callerRole} → ${targetRole ?? "not a member"}`;
              seen[targetRole === undefined ? "outsiders" : allowed ? "allowed" : "refused"]++;
              assertEquals(listed.has(target.id), allowed, `appears in the search: ${pair}`);
              const creates = await attempt(() =>
                messaging.createConversation(caller.id, {
                  establishmentId: school.id,
                  participantIds: [target.id],
                })
              );
              assertEquals(creates, allowed, `may create a conversation: ${pair}`);
              // A non-member is never a current participant, so sending only applies to members.
              if (targetRole === undefined) continue;
              // The caller's own two-person conversation, made without the rules (as one is after a
              // role changes): sending in it follows the matrix, since the caller is its creator.
              const chat = await makeConversation(db, {
                establishmentId: school.id,
                members: [caller.id, target.id],
                createdBy: caller.id,
              });
              const sends = await attempt(() =>
                messaging.sendMessage(caller.id, {
                  conversationId: chat.id,
                  clientId: `p-${++sent}`,
                  body: "Bonjour",
                })
              );
              assertEquals(sends, allowed, `may send: ${pair}`);
            }
          }
        }
      }),
      { numRuns: 12 },
    );
    // Not vacuous: the random schools held pairs of every kind.
    assert(seen.allowed > 0 && seen.refused > 0 && seen.outsiders > 0, JSON.stringify(seen));
  },
);

Deno.test("permissions - creating is allowed iff the creator may write to every other participant", () => {
  fc.assert(fc.property(role, fc.array(role, { maxLength: 8 }), (creator, others) => {
    const expected = others.length > 0 && others.every((to) => TABLE[creator][to]);
    assertEquals(mayCreateConversation(creator, others), expected);
  }));
});

Deno.test("permissions - a conversation needs someone besides its creator", () => {
  for (const creator of ROLES) assertEquals(mayCreateConversation(creator, []), false);
});

Deno.test("permissions - sending follows the matrix, except that anyone may reply in a staff-created group", () => {
  fc.assert(fc.property(
    role,
    fc.option(role, { nil: null }),
    fc.array(role, { maxLength: 8 }),
    (sender, createdByRole, otherRoles) => {
      const byMatrix = otherRoles.every((to) => TABLE[sender][to]);
      const byStaff = createdByRole === "admin" || createdByRole === "teacher";
      assertEquals(maySend({ role: sender, createdByRole, otherRoles }), byMatrix || byStaff);
    },
  ));
});

Deno.test("permissions - whoever could create a conversation may also send in it", () => {
  fc.assert(fc.property(role, fc.array(role, { minLength: 1, maxLength: 8 }), (creator, others) => {
    fc.pre(mayCreateConversation(creator, others));
    assertEquals(maySend({ role: creator, createdByRole: creator, otherRoles: others }), true);
  }));
});

Deno.test("permissions - a parent may reply in a teacher's group with another parent but not start one", () => {
  assertEquals(mayCreateConversation("parent", ["parent", "teacher"]), false);
  assertEquals(
    maySend({ role: "parent", createdByRole: "teacher", otherRoles: ["parent", "teacher"] }),
    true,
  );
  assertEquals(
    maySend({ role: "parent", createdByRole: "parent", otherRoles: ["parent", "teacher"] }),
    false,
  );
  // The creator left the establishment: the plain matrix applies again.
  assertEquals(maySend({ role: "parent", createdByRole: null, otherRoles: ["parent"] }), false);
});

Deno.test("permissions - staff are admins and teachers only", () => {
  assertEquals(ROLES.filter(isStaff), ["admin", "teacher"]);
});
