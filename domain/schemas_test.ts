import { assertEquals, assertStringIncludes, assertThrows } from "../tests/support/assert.ts";
import { AppError } from "./errors.ts";
import { clientFrame } from "../protocol/client_frames.ts";
import {
  conversationsQuery,
  createConversationBody,
  loginBody,
  messagesQuery,
  parseInput,
  readBody,
  recipientsQuery,
  sendBody,
} from "./schemas.ts";
import * as schemas from "./schemas.ts";
import * as frames from "../protocol/client_frames.ts";
import { storableString, storableText } from "../protocol/text.ts";
import { uncheckedTextPaths } from "../tests/support/schema_text.ts";
import * as v from "valibot";

const ID = "0b8f4a36-3f7e-4c43-9d5e-0a4f3d1b2c11";
const ID2 = "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b";

/** Asserts `value` is refused with bad_request and a message starting with `prefix`. */
function refused(schema: v.GenericSchema, value: unknown, prefix: string, label?: string): void {
  const error = assertThrows(() => parseInput(schema, value, label), AppError);
  assertEquals(error.code, "bad_request");
  assertEquals(error.status, 400);
  assertStringIncludes(error.message, prefix);
  assertEquals(error.message.startsWith(prefix), true, `"${error.message}" should start with "${prefix}"`);
}

Deno.test("schemas - login: a valid body is trimmed and typed", () => {
  assertEquals(parseInput(loginBody, { email: " a@b.test ", password: "pw", extra: 1 }), {
    email: "a@b.test",
    password: "pw",
  });
});

Deno.test("schemas - login: each malformed body names its field", () => {
  refused(loginBody, null, "body: expected a JSON object");
  refused(loginBody, "email=a", "body: expected a JSON object");
  refused(loginBody, { password: "pw" }, "email: required");
  refused(loginBody, { email: 42, password: "pw" }, "email: expected a string");
  refused(loginBody, { email: "   ", password: "pw" }, "email: enter your email address");
  refused(loginBody, { email: "a@b.test" }, "password: required");
  refused(loginBody, { email: "a@b.test", password: "" }, "password: enter your password");
  refused(loginBody, { email: "a@b.test", password: "x".repeat(1025) }, "password: at most 1024");
});

Deno.test("schemas - create conversation: valid bodies pass, title optional", () => {
  assertEquals(parseInput(createConversationBody, { establishmentId: ID, participantIds: [ID2] }), {
    establishmentId: ID,
    participantIds: [ID2],
  });
  assertEquals(
    parseInput(createConversationBody, { establishmentId: ID, participantIds: [ID2], title: null }).title,
    null,
  );
});

Deno.test("schemas - create conversation: each malformed body names its field", () => {
  refused(createConversationBody, { participantIds: [ID2] }, "establishmentId: required");
  refused(
    createConversationBody,
    { establishmentId: "1", participantIds: [ID2] },
    "establishmentId: expected an id",
  );
  refused(createConversationBody, { establishmentId: ID }, "participantIds: required");
  refused(
    createConversationBody,
    { establishmentId: ID, participantIds: ID2 },
    "participantIds: expected an array of ids",
  );
  refused(
    createConversationBody,
    { establishmentId: ID, participantIds: [] },
    "participantIds: add at least one",
  );
  refused(
    createConversationBody,
    { establishmentId: ID, participantIds: [ID2, 7] },
    "participantIds.1: expected an id",
  );
  refused(
    createConversationBody,
    { establishmentId: ID, participantIds: Array(201).fill(ID2) },
    "participantIds: at most 200",
  );
  refused(
    createConversationBody,
    { establishmentId: ID, participantIds: [ID2], title: 5 },
    "title: expected a string or null",
  );
});

Deno.test("schemas - REST send: a clientId of 1 to 64 characters and a storable body", () => {
  assertEquals(parseInput(sendBody, { clientId: "c-1", body: "Bonjour" }), {
    clientId: "c-1",
    body: "Bonjour",
  });
  refused(sendBody, { body: "Bonjour" }, "clientId: required");
  refused(sendBody, { clientId: "x".repeat(65), body: "Bonjour" }, "clientId: expected 1 to 64 characters");
  refused(sendBody, { clientId: "c-1", body: 12 }, "body: expected a string");
});

Deno.test("schemas - read marker: a whole number from 0", () => {
  assertEquals(parseInput(readBody, { seq: 12 }), { seq: 12 });
  refused(readBody, {}, "seq: required");
  refused(readBody, { seq: "12" }, "seq: expected a number");
  refused(readBody, { seq: 1.5 }, "seq: expected a whole number");
  refused(readBody, { seq: -1 }, "seq: expected 0 or more");
  refused(readBody, { seq: 2 ** 31 }, "seq: expected at most");
});

Deno.test("schemas - messages query: numbers from text, default limit 50", () => {
  assertEquals(parseInput(messagesQuery, {}, "query"), { limit: 50 });
  assertEquals(parseInput(messagesQuery, { after: "7", limit: "100" }, "query"), { after: 7, limit: 100 });
  assertEquals(parseInput(messagesQuery, { before: "30" }, "query"), { before: 30, limit: 50 });
});

Deno.test("schemas - messages query: each malformed query names its parameter", () => {
  refused(messagesQuery, { after: "x" }, "after: expected a whole number", "query");
  refused(messagesQuery, { before: "-3" }, "before: expected a whole number", "query");
  refused(messagesQuery, { limit: "0" }, "limit: expected a whole number from 1 to 100", "query");
  refused(messagesQuery, { limit: "101" }, "limit: expected a whole number from 1 to 100", "query");
  refused(messagesQuery, { after: "1", before: "9" }, "after, before: give one of them, not both", "query");
});

Deno.test("schemas - conversations and recipients queries need an establishment id", () => {
  assertEquals(parseInput(conversationsQuery, { establishmentId: ID }, "query"), { establishmentId: ID });
  refused(conversationsQuery, {}, "establishmentId: required", "query");
  assertEquals(parseInput(recipientsQuery, { establishmentId: ID }, "query"), { establishmentId: ID, q: "" });
  assertEquals(parseInput(recipientsQuery, { establishmentId: ID, q: "mar" }, "query").q, "mar");
  refused(recipientsQuery, { q: "mar" }, "establishmentId: required", "query");
  refused(recipientsQuery, { establishmentId: ID, q: "m".repeat(101) }, "q: at most 100 characters", "query");
});

Deno.test("schemas - WebSocket frames: each valid type parses", () => {
  const send = { type: "send", clientId: "c-1", conversationId: ID, body: "Bonjour" };
  assertEquals(parseInput(clientFrame, send, "frame"), send);
  assertEquals(parseInput(clientFrame, { type: "typing", conversationId: ID, typing: true }, "frame"), {
    type: "typing",
    conversationId: ID,
    typing: true,
  });
  assertEquals(parseInput(clientFrame, { type: "read", conversationId: ID, seq: 3 }, "frame"), {
    type: "read",
    conversationId: ID,
    seq: 3,
  });
  assertEquals(parseInput(clientFrame, { type: "ping" }, "frame"), { type: "ping" });
});

Deno.test("schemas - WebSocket frames: each malformed frame names its field", () => {
  refused(clientFrame, [], "frame: expected a JSON object", "frame");
  refused(clientFrame, {}, "type: expected one of send, typing, read, ping", "frame");
  refused(clientFrame, { type: "shout" }, "type: expected one of send, typing, read, ping", "frame");
  const send = { type: "send", clientId: "c-1", conversationId: ID, body: "Bonjour" };
  refused(clientFrame, { ...send, clientId: "" }, "clientId: expected 1 to 64 characters", "frame");
  refused(
    clientFrame,
    { ...send, clientId: "x".repeat(65) },
    "clientId: expected 1 to 64 characters",
    "frame",
  );
  assertEquals(parseInput(clientFrame, { ...send, clientId: "😀".repeat(64) }, "frame").type, "send"); // 64 code points
  refused(clientFrame, { ...send, clientId: "a\u0000" }, "clientId: contains characters", "frame");
  refused(clientFrame, { ...send, conversationId: "42" }, "conversationId: expected an id", "frame");
  const { body: _, ...withoutBody } = send;
  refused(clientFrame, withoutBody, "body: required", "frame");
  refused(clientFrame, { ...send, body: ["hi"] }, "body: expected a string", "frame");
  refused(
    clientFrame,
    { type: "typing", conversationId: ID, typing: "yes" },
    "typing: expected true or false",
    "frame",
  );
  refused(clientFrame, { type: "read", conversationId: ID }, "seq: required", "frame");
});

Deno.test("schemas - every text field of every client schema refuses NUL and lone surrogates", () => {
  const exported = [...Object.entries(schemas), ...Object.entries(frames)].filter(([, value]) =>
    typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "schema"
  );
  assertEquals(exported.length >= 12, true, `the walk sees the exported schemas: ${exported.length}`);
  for (const [name, schema] of exported) {
    assertEquals(uncheckedTextPaths(schema, storableText), [], `${name}: these fields skip storableText`);
  }
  // The walk itself finds a field that forgets the check, however deep.
  assertEquals(
    uncheckedTextPaths(
      v.object({
        ok: storableString(),
        bare: v.string(),
        list: v.optional(v.array(v.pipe(v.string(), v.trim()))),
        any: v.unknown(),
      }),
      storableText,
    ),
    ["bare", "list[]", "any"],
  );
});

Deno.test("schemas - NUL and a lone surrogate are refused in each text field, naming it", () => {
  const send = { type: "send", clientId: "c-1", conversationId: ID, body: "Bonjour" };
  const cases: [v.GenericSchema, Record<string, unknown>, string][] = [
    [loginBody, { email: "a@b.test", password: "pw" }, "email"],
    [loginBody, { email: "a@b.test", password: "pw" }, "password"],
    [createConversationBody, { establishmentId: ID, participantIds: [ID2], title: "T" }, "title"],
    [recipientsQuery, { establishmentId: ID, q: "du" }, "q"],
    [messagesQuery, { after: "1" }, "after"],
    [messagesQuery, { before: "1" }, "before"],
    [messagesQuery, { limit: "1" }, "limit"],
    [schemas.conversationPath, { id: ID }, "id"],
    [clientFrame, send, "clientId"],
    [clientFrame, send, "body"],
  ];
  for (const [schema, valid, field] of cases) {
    for (const bad of ["a\u0000b", "a\ud800b", "\udc00"]) {
      refused(schema, { ...valid, [field]: bad }, `${field}: contains characters that cannot be stored`);
    }
  }
});
