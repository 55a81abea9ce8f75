/**
 * What REST endpoints do with input they cannot take: NUL characters and lone surrogates in any text
 * field, body, query string or path (PostgreSQL refuses NUL in text, and a lone surrogate is not
 * UTF-8), bodies that are not declared as JSON, and database data exceptions that slip past the
 * checks. Each is a `4xx` naming what to fix, and the server log gets at most one line for it.
 */
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { api, TEST_PASSWORD, type TestServer, withServer } from "./support/server.ts";
import { atMostOneLogLine, captureLog } from "./support/log_capture.ts";
import { schoolWithChat } from "./support/realtime_fixtures.ts";
import { errorResponse } from "../server/http.ts";
import type { Database } from "../db/types.ts";

type ErrorBody = { error?: { code?: string; message?: string } };
const errorOf = (body: unknown) => (body as ErrorBody).error ?? {};

/** Text PostgreSQL cannot store: a NUL, a lone high surrogate, a lone low surrogate. */
const UNSTORABLE = ["a\u0000b", "a\ud83db", "\udc00"];

/**
 * Asserts `res` is `400 bad_request` whose message starts with `field`, and for a text field says
 * that the text cannot be stored.
 */
function assertRefused(
  res: { status: number; body: unknown },
  what: string,
  field: string,
  isText = true,
): void {
  const { code, message = "" } = errorOf(res.body);
  assertEquals([res.status, code], [400, "bad_request"], `${what}: ${JSON.stringify(res.body)}`);
  assert(message.startsWith(`${field}: `), `${what} names ${field}: ${message}`);
  if (isText) assertStringIncludes(message, "cannot be stored", `${what} says why`);
}

/** A school with a teacher and a parent in one conversation, both signed in through `server`. */
async function scene(db: Database, server: TestServer) {
  const { establishment, people: [teacher, parent], chat } = await schoolWithChat(db, server, [
    "teacher",
    "parent",
  ]);
  return { establishmentId: establishment.id, teacher, parent, chat };
}

dbTest("inputs - NUL or a lone surrogate in any JSON body field answers 400 naming the field", async (db) => {
  await withServer(db, async (server) => {
    const { establishmentId, teacher, parent, chat } = await scene(db, server);
    const create = { establishmentId, participantIds: [parent.user.id] };
    const cases: { path: string; field: string; signedIn: boolean; body: (bad: string) => unknown }[] = [
      {
        path: "/api/auth/login",
        field: "email",
        signedIn: false,
        body: (bad) => ({ email: `${bad}@x.test`, password: "pw" }),
      },
      {
        path: "/api/auth/login",
        field: "password",
        signedIn: false,
        body: (bad) => ({ email: teacher.user.email, password: bad }),
      },
      {
        path: "/api/conversations",
        field: "establishmentId",
        signedIn: true,
        body: (bad) => ({ ...create, establishmentId: bad }),
      },
      {
        path: "/api/conversations",
        field: "participantIds.0",
        signedIn: true,
        body: (bad) => ({ ...create, participantIds: [bad] }),
      },
      {
        path: "/api/conversations",
        field: "title",
        signedIn: true,
        body: (bad) => ({ ...create, title: `Sortie ${bad}` }),
      },
      {
        path: `/api/conversations/${chat.id}/read`,
        field: "seq",
        signedIn: true,
        body: (bad) => ({ seq: bad }),
      },
    ];
    using log = captureLog();
    for (const { path, field, signedIn, body } of cases) {
      for (const bad of UNSTORABLE) {
        const what = `POST ${path} ${field}=${JSON.stringify(bad)}`;
        const res = await atMostOneLogLine(
          log,
          what,
          () =>
            api(server.url, signedIn ? teacher.cookie : undefined, path, { method: "POST", body: body(bad) }),
        );
        // `seq` is a number, not text: the type is what is wrong.
        assertRefused(res, what, field, field !== "seq");
      }
    }
    // Nothing was created or moved by the refused requests.
    const listed = await api(
      server.url,
      teacher.cookie,
      `/api/conversations?establishmentId=${establishmentId}`,
    );
    assertEquals((listed.body as { conversations: unknown[] }).conversations.length, 1);
  });
});

dbTest("inputs - NUL in any query parameter or path parameter answers 400 naming it", async (db) => {
  await withServer(db, async (server) => {
    const { establishmentId, teacher, chat } = await scene(db, server);
    const messages = `/api/conversations/${chat.id}/messages`;
    using log = captureLog();
    for (const bad of ["a%00b", "%00", "%00%00"]) {
      const cases: { path: string; field: string; method?: string; body?: unknown }[] = [
        { path: `/api/conversations?establishmentId=${bad}`, field: "establishmentId" },
        { path: `/api/recipients?establishmentId=${bad}`, field: "establishmentId" },
        { path: `/api/recipients?establishmentId=${establishmentId}&q=${bad}`, field: "q" },
        { path: `${messages}?after=${bad}`, field: "after" },
        { path: `${messages}?before=${bad}`, field: "before" },
        { path: `${messages}?limit=${bad}`, field: "limit" },
        { path: `/api/conversations/${bad}/messages`, field: "id" },
        { path: `/api/conversations/${bad}/read`, field: "id", method: "POST", body: { seq: 1 } },
      ];
      for (const { path, field, method, body } of cases) {
        const what = `${method ?? "GET"} ${path}`;
        const res = await atMostOneLogLine(
          log,
          what,
          () => api(server.url, teacher.cookie, path, { method, body }),
        );
        assertRefused(res, what, field);
      }
    }
  });
});

dbTest(
  "inputs - a surrogate's bytes in a URL arrive as U+FFFD and are answered like any other text",
  async (db) => {
    await withServer(db, async (server) => {
      const { establishmentId, teacher, chat } = await scene(db, server);
      // A URL cannot carry a lone surrogate: percent-decoding turns its (invalid) UTF-8 bytes into U+FFFD.
      const surrogate = "%ED%A0%BD";
      using log = captureLog();
      const cases: [string, number][] = [
        [`/api/recipients?establishmentId=${establishmentId}&q=${surrogate}`, 200],
        [`/api/recipients?establishmentId=${surrogate}`, 400],
        [`/api/conversations/${chat.id}/messages?after=${surrogate}`, 400],
        [`/api/conversations/${surrogate}/messages`, 404],
      ];
      for (const [path, status] of cases) {
        const res = await atMostOneLogLine(log, path, () => api(server.url, teacher.cookie, path));
        assertEquals(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
      }
    });
  },
);

dbTest("inputs - the login form answers NUL with a 400 page that says what to fix", async (db) => {
  await withServer(db, async (server) => {
    const { teacher } = await scene(db, server);
    using log = captureLog();
    const post = (locale: string, fields: Record<string, string>) =>
      atMostOneLogLine(log, `POST /${locale}/login ${JSON.stringify(fields)}`, async () => {
        const res = await fetch(`${server.url}/${locale}/login`, {
          method: "POST",
          body: new URLSearchParams(fields),
          redirect: "manual",
        });
        return { status: res.status, html: await res.text() };
      });
    const cases: [string, string][] = [
      ["email", "a\u0000b@x.test"],
      ["password", "pass\u0000word"],
      ["email", "\u0000"],
    ];
    for (const [field, value] of cases) {
      const fields = { email: teacher.user.email, password: TEST_PASSWORD, [field]: value };
      const en = await post("en", fields);
      assertEquals(en.status, 400, `${field}: ${en.html.slice(0, 200)}`);
      assertStringIncludes(en.html, "contains characters that are not allowed");
      assert(!en.html.includes("\u0000"), "the NUL is not echoed into the page");
      const fr = await post("fr", fields);
      assertEquals(fr.status, 400);
      assertStringIncludes(fr.html, "contient des caractères non autorisés");
    }
    // The form itself still works, with form encoding.
    const ok = await post("en", { email: teacher.user.email, password: TEST_PASSWORD });
    assertEquals(ok.status, 303);
  });
});

dbTest("inputs - JSON endpoints answer 415 to text/plain, form encoding and no content type", async (db) => {
  await withServer(db, async (server) => {
    const { establishmentId, teacher, parent, chat } = await scene(db, server);
    const endpoints: { path: string; body: unknown }[] = [
      { path: "/api/auth/login", body: { email: teacher.user.email, password: TEST_PASSWORD } },
      { path: "/api/conversations", body: { establishmentId, participantIds: [parent.user.id] } },
      { path: `/api/conversations/${chat.id}/read`, body: { seq: 0 } },
      { path: `/api/conversations/${chat.id}/messages`, body: { clientId: "c-1", body: "Bonjour" } },
    ];
    const types: (string | undefined)[] = [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      undefined,
      "application/json; charset=iso-8859-1",
      "application/json-patch+json",
      "application/jsonx",
      "text/json",
    ];
    using log = captureLog();
    for (const { path, body } of endpoints) {
      for (const type of types) {
        const what = `POST ${path} as ${type ?? "no content type"}`;
        const res = await atMostOneLogLine(log, what, async () => {
          // A Uint8Array body gets no content type from fetch; a string would get text/plain.
          const res = await fetch(`${server.url}${path}`, {
            method: "POST",
            headers: { cookie: teacher.cookie, ...(type === undefined ? {} : { "content-type": type }) },
            body: new TextEncoder().encode(JSON.stringify(body)),
          });
          return { status: res.status, headers: res.headers, body: await res.json() };
        });
        assertEquals(
          [res.status, errorOf(res.body).code],
          [415, "unsupported_media_type"],
          `${what}: ${JSON.stringify(res.body)}`,
        );
        assertStringIncludes(errorOf(res.body).message ?? "", "application/json");
        assert(res.headers.get("set-cookie") === null, `${what} must not sign in`);
      }
    }
    const listed = await api(
      server.url,
      teacher.cookie,
      `/api/conversations?establishmentId=${establishmentId}`,
    );
    assertEquals(
      (listed.body as { conversations: unknown[] }).conversations.length,
      1,
      "nothing was created",
    );
  });
});

dbTest("inputs - application/json is accepted with or without a UTF-8 charset", async (db) => {
  await withServer(db, async (server) => {
    const { teacher, chat } = await scene(db, server);
    for (
      const type of [
        "application/json",
        "application/json; charset=utf-8",
        'Application/JSON;Charset="UTF-8"',
      ]
    ) {
      const res = await fetch(`${server.url}/api/conversations/${chat.id}/read`, {
        method: "POST",
        headers: { cookie: teacher.cookie, "content-type": type },
        body: JSON.stringify({ seq: 0 }),
      });
      assertEquals(res.status, 204, `${type}: ${await res.text()}`);
    }
  });
});

dbTest(
  "errors - a PostgreSQL data exception that slips past the checks is a 400 logged on one line",
  async (db) => {
    const failure = async (sql: string, params: unknown[]) => {
      try {
        await db.query(sql, params);
      } catch (error) {
        return error;
      }
      throw new Error(`${sql} was expected to fail`);
    };
    using log = captureLog();
    // 22021 (NUL in text), 22P02 (malformed uuid), 22003 (out of range).
    for (
      const [sql, params] of [
        ["select $1::text as t", ["a\u0000b"]],
        ["select $1::uuid as u", ["not-a-uuid\nsecond line"]],
        ["select $1::int as i", ["99999999999"]],
      ] as const
    ) {
      const error = await failure(sql, [...params]);
      const before = log.lines.length;
      const res = errorResponse(error, "POST /api/test");
      assertEquals(res.status, 400, sql);
      assertEquals(errorOf(await res.json()).code, "bad_request");
      const written = log.lines.slice(before);
      assertEquals(written.length, 1, `${sql} logs one line: ${written.join("\n")}`);
      assertStringIncludes(written[0]!, "SQLSTATE 22");
    }
    // Anything else is still a bug: 500, logged with its stack.
    const syntax = await failure("select from where", []);
    const before = log.lines.length;
    const res = errorResponse(syntax, "POST /api/test");
    assertEquals([res.status, errorOf(await res.json()).code], [500, "internal"]);
    assert(log.lines.length - before > 1, "a bug is logged in full");
  },
);
