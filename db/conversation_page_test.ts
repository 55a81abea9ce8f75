import { assert, assertEquals } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeEstablishment, makeManyConversations, makeUser } from "./factories.ts";
import { type ConversationCursor, listConversationPage } from "./conversations.ts";
import { appendMessage } from "./messages.ts";
import type { Database } from "./types.ts";

async function staffWithConversations(db: Database, count: number, updatedAt?: Date) {
  const establishment = await makeEstablishment(db);
  const teacher = await makeUser(db, { establishmentId: establishment.id, role: "teacher" });
  const parent = await makeUser(db, { establishmentId: establishment.id, role: "parent" });
  const ids = await makeManyConversations(db, {
    establishmentId: establishment.id,
    userId: teacher.id,
    otherId: parent.id,
    count,
    updatedAt,
  });
  return { establishment, teacher, parent, ids };
}

/** Every page of the list, `limit` at a time, with `between(pageNumber)` run after each page. */
async function allPages(
  db: Database,
  userId: string,
  establishmentId: string,
  limit: number,
  between: (page: number) => Promise<void> = () => Promise.resolve(),
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: ConversationCursor | undefined;
  do {
    const page = await listConversationPage(db, userId, [establishmentId], { limit, cursor });
    assert(page.conversations.length <= limit);
    pages.push(page.conversations.map((c) => c.id));
    cursor = page.next;
    await between(pages.length);
  } while (cursor !== undefined && pages.length < 100);
  return pages;
}

dbTest("conversation pages - equal activity times page in a stable order, every one once", async (db) => {
  const { establishment, teacher } = await staffWithConversations(db, 23, new Date("2026-01-05T08:00:00Z"));
  const pages = await allPages(db, teacher.id, establishment.id, 5);
  assertEquals(pages.map((p) => p.length), [5, 5, 5, 5, 3]);
  const seen = pages.flat();
  assertEquals(new Set(seen).size, 23, "no duplicates");
  assertEquals(seen, [...seen].sort(), "ties ordered by id, the same way on every page");
  assertEquals(await allPages(db, teacher.id, establishment.id, 5), pages, "the same pages when asked again");
});

dbTest("conversation pages - microsecond-close times are neither skipped nor repeated", async (db) => {
  const { establishment, teacher, ids } = await staffWithConversations(db, 12);
  // Times that differ by one microsecond: a cursor rounded to milliseconds would lose rows.
  await db.query(
    `UPDATE conversations SET updated_at = timestamptz '2026-01-05 08:00:00.123456+00' - (n.i * interval '1 microsecond')
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS i FROM conversations WHERE id IN (SELECT value::uuid FROM json_array_elements_text($1::json))) AS n
     WHERE conversations.id = n.id`,
    [JSON.stringify(ids)],
  );
  const seen = (await allPages(db, teacher.id, establishment.id, 5)).flat();
  assertEquals(seen, [...ids].sort(), "newest first: the smallest id got the latest time");
});

dbTest("conversation pages - messages arriving while paging leave no gap and no duplicate", async (db) => {
  const { establishment, teacher, parent, ids } = await staffWithConversations(db, 20);
  const moved: string[] = [];
  const pages = await allPages(db, teacher.id, establishment.id, 4, async (page) => {
    // After each page, a conversation not yet listed (near the end) gets a message: it moves to
    // the top, which live updates show; the pages must still list every other one once.
    const target = ids[ids.length - page];
    if (target === undefined || moved.length >= 3) return;
    moved.push(target);
    await appendMessage(db, {
      conversationId: target,
      senderId: parent.id,
      clientId: crypto.randomUUID(),
      body: "nouveau",
    });
  });
  const listed = pages.flat();
  assertEquals(new Set(listed).size, listed.length, "no duplicates");
  const missing = ids.filter((id) => !listed.includes(id));
  assertEquals(missing.sort(), [...moved].sort(), "only the moved ones (now at the top) were not paged");
  const first = await listConversationPage(db, teacher.id, [establishment.id], { limit: 3 });
  assertEquals(new Set(first.conversations.map((c) => c.id)), new Set(moved), "moved to the top");
});

dbTest("conversation pages - only the user's conversations of the named establishments", async (db) => {
  const a = await staffWithConversations(db, 3);
  const other = await makeEstablishment(db);
  assertEquals((await listConversationPage(db, a.teacher.id, [other.id], { limit: 10 })).conversations, []);
  assertEquals(
    (await listConversationPage(db, a.parent.id, [a.establishment.id], { limit: 10 })).conversations.length,
    3,
  );
  const page = await listConversationPage(db, a.teacher.id, [a.establishment.id, other.id], { limit: 10 });
  assertEquals(page.conversations.map((c) => c.id), a.ids);
  assertEquals(page.next, undefined, "no cursor after the last page");
  assertEquals(page.conversations[0]?.unread, 1);
});
