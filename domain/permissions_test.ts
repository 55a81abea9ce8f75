import fc from "fast-check";
import { assertEquals } from "../tests/support/assert.ts";
import { type Role, ROLES } from "../db/models.ts";
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
  { minLength: 2, maxLength: 12 },
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

Deno.test("permissions - recipients in a random world are exactly the writable members of that establishment", () => {
  fc.assert(fc.property(world, fc.nat(), fc.nat(2), (people, pick, establishment) => {
    const caller = people[pick % people.length]!;
    const callerRole = caller.roles[establishment];
    fc.pre(callerRole !== undefined);
    const allowed = writableRoles(callerRole!);
    const found = people.filter((p) => {
      const r = p.roles[establishment];
      return p !== caller && r !== undefined && allowed.includes(r);
    });
    const expected = people.filter((p) => {
      const r = p.roles[establishment];
      return p !== caller && r !== undefined && TABLE[callerRole!][r];
    });
    assertEquals(found, expected);
    // Nobody without a role in the establishment ever shows up, whatever they hold elsewhere.
    for (const p of found) assertEquals(p.roles[establishment] !== undefined, true);
  }));
});

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
