/**
 * The server-rendered pages through `app.request()`: locale redirects, the sign-in guard and its
 * return path (no open redirect), portals, deep links, the establishment switcher, 404s, and which
 * pages ship JavaScript.
 */
import type { Hono } from "hono";
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { makeLoginUser, TEST_PASSWORD, TEST_SECRET } from "./support/server.ts";
import { makeConversation, makeEstablishment } from "../db/factories.ts";
import { appendMessage } from "../db/messages.ts";
import { setMembership } from "../db/users.ts";
import type { Database } from "../db/types.ts";
import { createApp } from "../server/app.ts";

async function withApp(db: Database, fn: (app: Hono) => Promise<void>): Promise<void> {
  const preau = await createApp({
    db,
    config: { allowedOrigins: [], publicUrl: undefined },
    secret: TEST_SECRET,
  });
  try {
    await fn(preau.app);
  } finally {
    await preau.close();
  }
}

/** Signs in through the login page's form; returns the `Cookie` header to send afterwards. */
async function signIn(app: Hono, email: string): Promise<string> {
  const res = await app.request("/fr/login", {
    method: "POST",
    body: new URLSearchParams({ email, password: TEST_PASSWORD }),
  });
  assertEquals(res.status, 303, await res.text());
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("preau_session="));
  assert(cookie, "no session cookie set");
  return cookie.split(";")[0]!;
}

async function get(app: Hono, path: string, headers: Record<string, string> = {}) {
  const res = await app.request(path, { headers, redirect: "manual" });
  return {
    status: res.status,
    location: res.headers.get("location"),
    html: await res.text(),
    headers: res.headers,
  };
}

/** A school with a teacher, two parents and a conversation between the teacher and the first parent. */
async function world(db: Database) {
  const token = crypto.randomUUID().slice(0, 6);
  const school = await makeEstablishment(db, { name: `École Ferry ${token}` });
  const teacher = await makeLoginUser(db, {
    establishmentId: school.id,
    role: "teacher",
    name: `Marc Martin ${token}`,
  });
  const parent = await makeLoginUser(db, {
    establishmentId: school.id,
    role: "parent",
    name: `Hélène ${token}`,
  });
  const other = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
  const chat = await makeConversation(db, { establishmentId: school.id, members: [teacher.id, parent.id] });
  for (const body of ["Bonjour Madame", "<script>alert(1)</script>"]) {
    await appendMessage(db, {
      conversationId: chat.id,
      senderId: teacher.id,
      clientId: crypto.randomUUID(),
      body,
    });
  }
  return { school, teacher, parent, other, chat, token };
}

dbTest("pages - / redirects by Accept-Language, then the locale cookie, else French", async (db) => {
  await withApp(db, async (app) => {
    assertEquals((await get(app, "/", { "accept-language": "en-US,en;q=0.9,fr;q=0.5" })).location, "/en");
    assertEquals((await get(app, "/", { "accept-language": "fr-CA" })).location, "/fr");
    assertEquals(
      (await get(app, "/", { "accept-language": "de", cookie: "preau_locale=en" })).location,
      "/en",
    );
    assertEquals((await get(app, "/", { cookie: "preau_locale=en" })).location, "/en");
    const plain = await get(app, "/");
    assertEquals([plain.status, plain.location], [302, "/fr"]);
    assertStringIncludes(plain.headers.get("vary") ?? "", "Accept-Language");
  });
});

dbTest("pages - a signed-out visitor goes to login and comes back to the page asked for", async (db) => {
  await withApp(db, async (app) => {
    const w = await world(db);
    const wanted = `/fr/parents/messagerie/${w.chat.id}?x=1`;
    const first = await get(app, wanted);
    assertEquals(first.status, 302);
    assertEquals(first.location, `/fr/login?next=${encodeURIComponent(wanted)}`);
    const login = await get(app, first.location!);
    assertEquals(login.status, 200);
    assertStringIncludes(login.html, 'name="password"');
    const res = await app.request(first.location!, {
      method: "POST",
      body: new URLSearchParams({ email: w.parent.email, password: TEST_PASSWORD }),
    });
    assertEquals([res.status, res.headers.get("location")], [303, wanted]);
  });
});

dbTest("pages - the login return path accepts only same-site relative paths", async (db) => {
  await withApp(db, async (app) => {
    const w = await world(db);
    for (
      const next of [
        "//evil.test/x",
        "https://evil.test/",
        "/\\evil.test",
        "javascript:alert(1)",
        "/%0a/x\u0001",
      ]
    ) {
      const res = await app.request(`/fr/login?next=${encodeURIComponent(next)}`, {
        method: "POST",
        body: new URLSearchParams({ email: w.parent.email, password: TEST_PASSWORD }),
      });
      assertEquals([res.status, res.headers.get("location")], [303, "/fr"], `next=${next}`);
    }
  });
});

dbTest(
  "pages - wrong credentials re-render the form with an error; a cross-site post is refused",
  async (db) => {
    await withApp(db, async (app) => {
      const w = await world(db);
      const res = await app.request("/en/login", {
        method: "POST",
        body: new URLSearchParams({ email: w.parent.email, password: "nope" }),
      });
      assertEquals(res.status, 401);
      const html = await res.text();
      assertStringIncludes(html, "Wrong email address or password.");
      assertStringIncludes(html, `value="${w.parent.email}"`);
      const forged = await app.request("/fr/login", {
        method: "POST",
        headers: { origin: "https://evil.test" },
        body: new URLSearchParams({ email: w.parent.email, password: TEST_PASSWORD }),
      });
      assertEquals(forged.status, 403);
      await forged.body?.cancel();
    });
  },
);

dbTest("pages - each person is sent to their portal, deep links included", async (db) => {
  await withApp(db, async (app) => {
    const w = await world(db);
    const teacher = await signIn(app, w.teacher.email);
    const parent = await signIn(app, w.parent.email);
    assertEquals((await get(app, "/fr", { cookie: teacher })).location, "/fr/admin/messagerie");
    assertEquals((await get(app, "/en", { cookie: parent })).location, "/en/parents/messagerie");
    assertEquals(
      (await get(app, "/fr/parents/messagerie", { cookie: teacher })).location,
      "/fr/admin/messagerie",
    );
    assertEquals(
      (await get(app, `/fr/admin/messagerie/${w.chat.id}`, { cookie: parent })).location,
      `/fr/parents/messagerie/${w.chat.id}`,
    );
    const own = await get(app, "/fr/admin/messagerie", { cookie: teacher });
    assertEquals(own.status, 200);
    assertEquals(own.headers.get("cache-control"), "private, no-store");
    assertStringIncludes(own.html, "Espace équipe");
  });
});

dbTest(
  "pages - a deep link renders the list with that conversation selected and its messages",
  async (db) => {
    await withApp(db, async (app) => {
      const w = await world(db);
      const cookie = await signIn(app, w.parent.email);
      const page = await get(app, `/fr/parents/messagerie/${w.chat.id}`, { cookie });
      assertEquals(page.status, 200);
      const selected = /<a [^>]*aria-current="page"[^>]*data-conversation-id="([^"]+)"/.exec(page.html);
      assertEquals(selected?.[1], w.chat.id);
      assertStringIncludes(page.html, "Bonjour Madame");
      assertEquals(/data-chat-title[^>]*>([^<]*)</.exec(page.html)?.[1], `Marc Martin ${w.token}`);
      // Message text is escaped in the HTML (and in the state script, by serialize()).
      assertStringIncludes(page.html, "&lt;script>alert(1)&lt;/script>");
      assert(!page.html.includes("<script>alert(1)"), "a message body reached the HTML unescaped");
      assertStringIncludes(page.html, '<html lang="fr"');
      // The unread count is in the title of the first render.
      assertStringIncludes(page.html, "<title>(2) Messagerie – Préau</title>");

      const list = await get(app, "/fr/parents/messagerie", { cookie });
      assert(
        !list.html.includes('aria-current="page" data-conversation-id'),
        "nothing is selected on the list",
      );
      assertStringIncludes(list.html, "Choisissez une conversation");

      const unknown = await get(app, `/fr/parents/messagerie/${crypto.randomUUID()}`, { cookie });
      assertEquals(unknown.status, 404);
      const outsider = await signIn(app, w.other.email);
      assertEquals((await get(app, `/fr/parents/messagerie/${w.chat.id}`, { cookie: outsider })).status, 404);
    });
  },
);

dbTest(
  "pages - people with several establishments get one inbox, tagged by school, and a switcher",
  async (db) => {
    await withApp(db, async (app) => {
      const w = await world(db);
      const second = await makeEstablishment(db, { name: `Collège Hugo ${w.token}` });
      await setMembership(db, { userId: w.parent.id, establishmentId: second.id, role: "parent" });
      const farTeacher = await makeLoginUser(db, {
        establishmentId: second.id,
        role: "teacher",
        name: `Nadia ${w.token}`,
      });
      const far = await makeConversation(db, {
        establishmentId: second.id,
        members: [farTeacher.id, w.parent.id],
      });
      await appendMessage(db, {
        conversationId: far.id,
        senderId: farTeacher.id,
        clientId: "far-1",
        body: "Salut",
      });
      const cookie = await signIn(app, w.parent.email);

      const first = await get(app, `/fr/parents/messagerie?establishment=${w.school.id}`, { cookie });
      assertStringIncludes(first.html, `École Ferry ${w.token}`);
      assertStringIncludes(first.html, `Collège Hugo ${w.token}`);
      // One inbox: both schools' conversations, whichever school is chosen for new ones.
      assertStringIncludes(first.html, `data-conversation-id="${w.chat.id}"`);
      assertStringIncludes(first.html, `data-conversation-id="${far.id}"`);
      assertStringIncludes(first.html, "data-school-filter");

      const switched = await app.request(`/fr/parents/messagerie?establishment=${second.id}`, {
        headers: { cookie },
      });
      const html = await switched.text();
      assertStringIncludes(html, `data-conversation-id="${far.id}"`);
      assertStringIncludes(html, `data-conversation-id="${w.chat.id}"`);
      const remembered = switched.headers.getSetCookie().find((c) => c.startsWith("preau_establishment="));
      assertEquals(remembered?.split(";")[0], `preau_establishment=${second.id}`);
      // The choice is remembered for the next visit without the query.
      const again = await get(app, "/fr/parents/messagerie", {
        cookie: `${cookie}; preau_establishment=${second.id}`,
      });
      assertStringIncludes(again.html, `data-conversation-id="${far.id}"`);
      // A deep link into the first school selects that school whatever was remembered.
      const deep = await get(app, `/fr/parents/messagerie/${w.chat.id}`, {
        cookie: `${cookie}; preau_establishment=${second.id}`,
      });
      assertStringIncludes(deep.html, `data-conversation-id="${w.chat.id}"`);

      const single = await get(app, "/fr/admin/messagerie", { cookie: await signIn(app, w.teacher.email) });
      assert(!single.html.includes('aria-label="Établissement"'), "one membership needs no switcher");
    });
  },
);

dbTest(
  "pages - unknown locales and pages are 404; a page without islands ships no JavaScript",
  async (db) => {
    await withApp(db, async (app) => {
      const w = await world(db);
      const cookie = await signIn(app, w.parent.email);
      for (const path of ["/de/login", "/de", "/xx/parents/messagerie"]) {
        assertEquals((await get(app, path, { cookie })).status, 404, path);
      }
      const missing = await get(app, "/en/nowhere", { cookie });
      assertEquals(missing.status, 404);
      assertStringIncludes(missing.html, "Page not found");
      assertEquals(missing.html.toLowerCase().includes("<script"), false, "the 404 page must ship no script");
      const login = await get(app, "/en/login");
      assertStringIncludes(login.html, "Sign in");
      assertStringIncludes(login.html, '<html lang="en"');
      assertEquals(
        login.html.toLowerCase().includes("<script"),
        false,
        "the login page works without JavaScript",
      );
      const chat = await get(app, "/fr/parents/messagerie", { cookie });
      assertEquals((chat.html.match(/<script/g) ?? []).length, 2, "one state script and one module script");
    });
  },
);

dbTest("pages - signing out revokes the session and returns to the login page", async (db) => {
  await withApp(db, async (app) => {
    const w = await world(db);
    const cookie = await signIn(app, w.parent.email);
    const res = await app.request("/en/logout", { method: "POST", headers: { cookie } });
    assertEquals([res.status, res.headers.get("location")], [303, "/en/login"]);
    const after = await get(app, "/en/parents/messagerie", { cookie });
    assertEquals(after.location, `/en/login?next=${encodeURIComponent("/en/parents/messagerie")}`);
  });
});

dbTest(
  "pages - a failure answers the error page in the URL's language with status 500, never the detail",
  async (db) => {
    let broken = false;
    // The same database, except that its queries fail on demand with an error that is not an AppError.
    const flaky: Database = {
      ...db,
      query: (text, params) => broken ? Promise.reject(new Error("disk on fire")) : db.query(text, params),
    };
    await withApp(flaky, async (app) => {
      const w = await world(db);
      const cookie = await signIn(app, w.parent.email);
      broken = true;
      const logged: unknown[][] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => logged.push(args);
      try {
        const page = await get(app, "/en/parents/messagerie", { cookie });
        assertEquals(page.status, 500);
        assertStringIncludes(page.html, "This page could not be shown");
        assertStringIncludes(page.html, "<title>Error – Préau</title>");
        assertEquals(page.html.includes("disk on fire"), false, "the error detail leaked into the page");
      } finally {
        console.error = original;
        broken = false;
      }
      assert(
        logged.some((args) => args.some((a) => String(a).includes("disk on fire"))),
        "the failure was not logged",
      );
    });
  },
);
