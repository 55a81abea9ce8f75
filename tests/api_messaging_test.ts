/** The messaging REST API over real HTTP: conversations, history, read markers, recipients, isolation. */
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { api, loginCookie, makeLoginUser, type TestServer, withServer } from "./support/server.ts";
import { makeEstablishment, makeSchoolClassWith, makeUser } from "../db/factories.ts";
import { setMembership } from "../db/users.ts";
import { appendMessage } from "../db/messages.ts";
import type { Database } from "../db/types.ts";
import type { Role, User } from "../db/models.ts";
import { WsClient } from "./support/ws_client.ts";

interface Member {
  user: User;
  cookie: string;
}

/** Two schools: every role at the first, a teacher at the second, and a parent at both. */
async function world(db: Database, server: TestServer) {
  const school = await makeEstablishment(db, { name: `Jules ${crypto.randomUUID().slice(0, 6)}` });
  const other = await makeEstablishment(db, { name: `Hugo ${crypto.randomUUID().slice(0, 6)}` });
  const member = async (establishmentId: string, role: Role, name?: string): Promise<Member> => {
    const user = await makeLoginUser(db, { establishmentId, role, name });
    return { user, cookie: await loginCookie(server.url, user.email) };
  };
  const token = crypto.randomUUID().slice(0, 6);
  const admin = await member(school.id, "admin");
  const teacher = await member(school.id, "teacher", `Marc Martin ${token}`);
  const parent = await member(school.id, "parent", `Hélène Dupont ${token}`);
  const parent2 = await member(school.id, "parent");
  const student = await member(school.id, "student");
  const farTeacher = await member(other.id, "teacher", `Nadia Petit ${token}`);
  await setMembership(db, { userId: parent.user.id, establishmentId: other.id, role: "parent" });
  // The class rules: the teacher teaches the student and both parents' children; the far teacher the parent's.
  await makeSchoolClassWith(db, {
    establishmentId: school.id,
    teacherIds: [teacher.user.id],
    studentIds: [student.user.id],
    parentIds: [parent.user.id, parent2.user.id],
  });
  await makeSchoolClassWith(db, {
    establishmentId: other.id,
    teacherIds: [farTeacher.user.id],
    parentIds: [parent.user.id],
  });
  return { school, other, admin, teacher, parent, parent2, student, farTeacher, token };
}

/** Opens (or reuses) the two-person conversation of `from` and `to` through the API; returns its id. */
async function directConversation(server: TestServer, from: Member, establishmentId: string, to: Member) {
  const res = await api(server.url, from.cookie, "/api/conversations", {
    method: "POST",
    body: { establishmentId, participantIds: [to.user.id] },
  });
  assert(res.status === 200 || res.status === 201, `creating a conversation answered ${res.status}`);
  return (res.body as { conversation: { id: string } }).conversation.id;
}

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

dbTest(
  "conversations - creating one returns 201, repeating a two-person one returns the same with 200",
  async (db) => {
    await withServer(db, async (server) => {
      const w = await world(db, server);
      const body = { establishmentId: w.school.id, participantIds: [w.teacher.user.id] };
      const first = await api(server.url, w.parent.cookie, "/api/conversations", { method: "POST", body });
      assertEquals(first.status, 201);
      const conversation = (first.body as { conversation: { id: string; participants: { id: string }[] } })
        .conversation;
      assertEquals(
        conversation.participants.map((p) => p.id).sort(),
        [w.parent.user.id, w.teacher.user.id].sort(),
      );
      const again = await api(server.url, w.teacher.cookie, "/api/conversations", {
        method: "POST",
        body: { establishmentId: w.school.id, participantIds: [w.parent.user.id] },
      });
      assertEquals(again.status, 200);
      assertEquals((again.body as { conversation: { id: string } }).conversation.id, conversation.id);
    });
  },
);

dbTest("conversations - creation applies the permission matrix and establishment boundaries", async (db) => {
  await withServer(db, async (server) => {
    const w = await world(db, server);
    const create = (who: Member, to: Member, establishmentId = w.school.id) =>
      api(server.url, who.cookie, "/api/conversations", {
        method: "POST",
        body: { establishmentId, participantIds: [to.user.id] },
      });
    const cells: [Member, Member, number][] = [
      [w.parent, w.parent2, 403],
      [w.parent, w.student, 403],
      [w.student, w.parent, 403],
      [w.student, w.teacher, 201],
      [w.parent, w.admin, 201],
      [w.teacher, w.parent2, 201],
      [w.admin, w.student, 201],
      [w.teacher, w.admin, 201],
    ];
    for (const [from, to, status] of cells) {
      const res = await create(from, to);
      assertEquals(res.status, status, `${from.user.name} → ${to.user.name}`);
    }
    const foreign = await create(w.teacher, w.farTeacher);
    assertEquals(foreign.status, 403, "someone of another establishment cannot be added");
    const notMine = await create(w.teacher, w.farTeacher, w.other.id);
    assertEquals(notMine.status, 404, "an establishment the caller is not in does not exist for them");
    assertEquals(code(notMine.body), "not_found");
  });
});

dbTest(
  "conversations - a parent of two schools sees each school's conversations only under that school",
  async (db) => {
    await withServer(db, async (server) => {
      const w = await world(db, server);
      const here = await api(server.url, w.parent.cookie, "/api/conversations", {
        method: "POST",
        body: { establishmentId: w.school.id, participantIds: [w.teacher.user.id] },
      });
      const there = await api(server.url, w.parent.cookie, "/api/conversations", {
        method: "POST",
        body: { establishmentId: w.other.id, participantIds: [w.farTeacher.user.id] },
      });
      assertEquals([here.status, there.status], [201, 201]);
      const idOf = (r: { body: unknown }) => (r.body as { conversation: { id: string } }).conversation.id;
      const list = async (establishmentId: string) =>
        ((await api(server.url, w.parent.cookie, `/api/conversations?establishmentId=${establishmentId}`))
          .body as { conversations: { id: string; establishmentId: string }[] }).conversations;
      assertEquals((await list(w.school.id)).map((c) => c.id), [idOf(here)]);
      assertEquals((await list(w.other.id)).map((c) => c.id), [idOf(there)]);
      const outsider = await api(
        server.url,
        w.teacher.cookie,
        `/api/conversations?establishmentId=${w.other.id}`,
      );
      assertEquals(outsider.status, 404);
    });
  },
);

dbTest("messages - history pages by after/before in ascending order, with unread counts", async (db) => {
  await withServer(db, async (server) => {
    const w = await world(db, server);
    const id = await directConversation(server, w.teacher, w.school.id, w.parent);
    for (let i = 1; i <= 7; i++) {
      await appendMessage(db, {
        conversationId: id,
        senderId: i === 4 ? w.parent.user.id : w.teacher.user.id,
        clientId: `c-${i}`,
        body: `message ${i}`,
      });
    }
    const page = async (query: string) => {
      const res = await api(server.url, w.parent.cookie, `/api/conversations/${id}/messages${query}`);
      assertEquals(res.status, 200, query);
      return (res.body as { messages: { seq: number }[] }).messages.map((m) => m.seq);
    };
    assertEquals(await page(""), [1, 2, 3, 4, 5, 6, 7]);
    assertEquals(await page("?limit=3"), [5, 6, 7]);
    assertEquals(await page("?before=5&limit=3"), [2, 3, 4]);
    assertEquals(await page("?before=1"), []);
    assertEquals(await page("?after=5"), [6, 7]);
    assertEquals(await page("?after=7"), []);
    assertEquals(await page("?after=0&limit=2"), [1, 2]);
    // Each person sees the clientId of their own messages only.
    const clientIds = async (who: Member) =>
      ((await api(server.url, who.cookie, `/api/conversations/${id}/messages`)).body as {
        messages: { clientId?: string }[];
      }).messages.map((m) => m.clientId ?? null);
    assertEquals(await clientIds(w.parent), [null, null, null, "c-4", null, null, null]);
    assertEquals(await clientIds(w.teacher), ["c-1", "c-2", "c-3", null, "c-5", "c-6", "c-7"]);

    const summary = async (who: Member) =>
      ((await api(server.url, who.cookie, `/api/conversations?establishmentId=${w.school.id}`))
        .body as { conversations: { id: string; lastSeq: number; readSeq: number; unread: number }[] })
        .conversations.find((c) => c.id === id)!;
    // The parent sent seq 4, which marked 1..4 read for them; 5..7 remain.
    assertEquals(await summary(w.parent), {
      ...(await summary(w.parent)),
      lastSeq: 7,
      readSeq: 4,
      unread: 3,
    });
    assertEquals((await summary(w.teacher)).unread, 0, "one's own messages are never unread");

    const read = await api(server.url, w.parent.cookie, `/api/conversations/${id}/read`, {
      method: "POST",
      body: { seq: 6 },
    });
    assertEquals(read.status, 204);
    assertEquals((await summary(w.parent)).unread, 1);
    await api(server.url, w.parent.cookie, `/api/conversations/${id}/read`, {
      method: "POST",
      body: { seq: 2 },
    });
    assertEquals((await summary(w.parent)).readSeq, 6, "a read marker never moves back");
  });
});

dbTest("messages - people outside a conversation get 404 for its history and read marker", async (db) => {
  await withServer(db, async (server) => {
    const w = await world(db, server);
    const id = await directConversation(server, w.teacher, w.school.id, w.parent);
    const missing = crypto.randomUUID();
    for (const who of [w.parent2, w.farTeacher, w.admin]) {
      const history = await api(server.url, who.cookie, `/api/conversations/${id}/messages`);
      const absent = await api(server.url, who.cookie, `/api/conversations/${missing}/messages`);
      assertEquals([history.status, code(history.body)], [404, "not_found"]);
      assertEquals(history.body, absent.body, "not a member looks exactly like not existing");
      const read = await api(server.url, who.cookie, `/api/conversations/${id}/read`, {
        method: "POST",
        body: { seq: 1 },
      });
      assertEquals(read.status, 404);
    }
    const junk = await api(server.url, w.parent.cookie, "/api/conversations/not-an-id/messages");
    assertEquals(junk.status, 404);
  });
});

dbTest("recipients - search is accent- and case-insensitive and only offers writable people", async (db) => {
  await withServer(db, async (server) => {
    const w = await world(db, server);
    const search = async (who: Member, q: string, establishmentId = w.school.id) => {
      const res = await api(
        server.url,
        who.cookie,
        `/api/recipients?establishmentId=${establishmentId}&q=${encodeURIComponent(q)}`,
      );
      assertEquals(res.status, 200, q);
      return (res.body as { recipients: { id: string; name: string; email: string; role: string }[] })
        .recipients;
    };
    const byTeacher = await search(w.teacher, "helene");
    assertEquals(byTeacher.map((r) => r.id), [w.parent.user.id]);
    // Nothing beyond the contract's fields (the parent's child is in the teacher's class: an affiliation).
    assertEquals(Object.keys(byTeacher[0]!).sort(), ["affiliation", "email", "group", "id", "name", "role"]);
    assertEquals((await search(w.teacher, "DUPONT")).map((r) => r.id), [w.parent.user.id]);
    assertEquals((await search(w.parent, "mar")).map((r) => r.id), [w.teacher.user.id]);
    assertEquals(await search(w.parent, w.parent2.user.name), [], "a parent is never offered another parent");
    assertEquals(await search(w.parent, "nadia"), [], "people of another school are never offered");
    assertEquals((await search(w.parent, "nadia", w.other.id)).map((r) => r.id), [w.farTeacher.user.id]);
    const forbidden = await api(
      server.url,
      w.teacher.cookie,
      `/api/recipients?establishmentId=${w.other.id}&q=a`,
    );
    assertEquals(forbidden.status, 404);
  });
});

dbTest(
  "recipients - a school with 26 people an admin may write to answers exactly 20 of them",
  async (db) => {
    await withServer(db, async (server) => {
      const w = await world(db, server);
      // With the world's teacher, two parents and student: 26 writable people for the admin, 2 for a parent.
      const pupils = [];
      for (let i = 0; i < 22; i++) {
        pupils.push(
          await makeUser(db, {
            establishmentId: w.school.id,
            role: "student",
            name: `Élève ${i} ${w.token}`,
          }),
        );
      }
      const writable = new Set([w.teacher, w.parent, w.parent2, w.student].map((m) => m.user.id));
      for (const pupil of pupils) writable.add(pupil.id);
      assertEquals(writable.size, 26);
      const ids = async (who: Member, q: string) => {
        const res = await api(
          server.url,
          who.cookie,
          `/api/recipients?establishmentId=${w.school.id}&q=${encodeURIComponent(q)}`,
        );
        assertEquals(res.status, 200, q);
        return (res.body as { recipients: { id: string }[] }).recipients.map((r) => r.id);
      };
      for (const q of ["", "eleve", w.token]) {
        const found = await ids(w.admin, q);
        assertEquals(found.length, 20, `"${q}" matches more than 20 writable people: exactly 20 come back`);
        assertEquals(new Set(found).size, 20, "twenty different people");
        assert(found.every((id) => writable.has(id)), "all of them writable members of the school");
      }
      // Below the limit, everyone comes back: the 20 above is the limit, not the size of the school.
      // (A whole email: single words like the "7" of "Élève 7" may also start someone's email token.)
      assertEquals(await ids(w.admin, pupils[7]!.email), [pupils[7]!.id]);
      assertEquals(new Set(await ids(w.parent, "")), new Set([w.admin.user.id, w.teacher.user.id]));
    });
  },
);

dbTest("api - malformed bodies and queries get 400 naming the field", async (db) => {
  await withServer(db, async (server) => {
    const w = await world(db, server);
    const cases: [string, string, unknown, RegExp][] = [
      ["POST", "/api/conversations", "{", /body/],
      ["POST", "/api/conversations", { establishmentId: w.school.id }, /participantIds/],
      ["POST", "/api/conversations", { establishmentId: "x", participantIds: [] }, /establishmentId/],
      [
        "POST",
        "/api/conversations",
        { establishmentId: w.school.id, participantIds: "abc" },
        /participantIds/,
      ],
      ["GET", `/api/conversations`, undefined, /establishmentId/],
      ["GET", `/api/recipients?establishmentId=${w.school.id}&q=${"x".repeat(101)}`, undefined, /q/],
      ["GET", `/api/conversations/${crypto.randomUUID()}/messages?limit=101`, undefined, /limit/],
      ["GET", `/api/conversations/${crypto.randomUUID()}/messages?after=1&before=3`, undefined, /after/],
      ["GET", `/api/conversations/${crypto.randomUUID()}/messages?after=-1`, undefined, /after/],
      ["POST", `/api/conversations/${crypto.randomUUID()}/read`, { seq: "1" }, /seq/],
      ["POST", `/api/conversations/${crypto.randomUUID()}/read`, { seq: 1.5 }, /seq/],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await api(server.url, w.teacher.cookie, path, { method, body });
      assertEquals(res.status, 400, `${method} ${path}`);
      assertEquals(code(res.body), "bad_request");
      assertMatch((res.body as { error: { message: string } }).error.message, field);
    }
  });
});

dbTest("api - unknown API paths and methods answer JSON errors in the contract's codes", async (db) => {
  await withServer(db, async (server) => {
    const w = await world(db, server);
    const missing = await api(server.url, w.teacher.cookie, "/api/nothing-here");
    assertEquals([missing.status, code(missing.body)], [404, "not_found"]);
    const wrongMethod = await api(server.url, w.teacher.cookie, "/api/me", { method: "DELETE" });
    assertEquals([wrongMethod.status, code(wrongMethod.body)], [405, "method_not_allowed"]);
  });
});

dbTest(
  "messages - a REST send is stored once per clientId (201, then 200 with the same message) and reaches the other members' sockets",
  async (db) => {
    await withServer(db, async (server) => {
      const w = await world(db, server);
      const chat = await directConversation(server, w.parent, w.school.id, w.teacher);
      const socket = await WsClient.connect(server.url, { cookie: w.teacher.cookie });
      try {
        await socket.nextOfType("hello");
        const post = (who: Member, clientId: string, body: string) =>
          api(server.url, who.cookie, `/api/conversations/${chat}/messages`, {
            method: "POST",
            body: { clientId, body },
            headers: { "accept-encoding": "gzip" },
          });
        const clientId = crypto.randomUUID();
        const first = await post(w.parent, clientId, "Bonjour, Léa sera absente demain.");
        assertEquals(first.status, 201, JSON.stringify(first.body));
        // An answer of a few hundred bytes is not worth a compression stream per send.
        assertEquals(first.headers.get("content-encoding"), null);
        const stored = (first.body as { message: { id: string; seq: number; body: string } }).message;
        assertEquals([stored.seq, stored.body], [1, "Bonjour, Léa sera absente demain."]);
        const delivered = await socket.nextOfType("message");
        assertEquals((delivered.message as { id: string }).id, stored.id);
        const again = await post(w.parent, clientId, "Bonjour, Léa sera absente demain.");
        assertEquals(again.status, 200);
        assertEquals((again.body as { message: { id: string } }).message.id, stored.id);
        assertEquals(code((await post(w.farTeacher, crypto.randomUUID(), "Bonjour")).body), "not_found");
        assertEquals(code((await post(w.parent, crypto.randomUUID(), "   ")).body), "bad_request");
        const history = await api(
          server.url,
          w.teacher.cookie,
          `/api/conversations/${chat}/messages?after=0`,
        );
        assertEquals((history.body as { messages: unknown[] }).messages.length, 1, "stored once");
      } finally {
        await socket.close();
      }
    });
  },
);
