/**
 * What `/ws/chat` does with text it cannot store: a NUL or a lone surrogate in any field of any client
 * frame is answered with an `error` frame `bad_request` naming the field, reaches nobody, stores
 * nothing, keeps the socket open, and writes at most one line to the server log.
 */
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { withServer } from "./support/server.ts";
import { atMostOneLogLine, captureLog } from "./support/log_capture.ts";
import { connect, schoolWithChat, sendAndAck } from "./support/realtime_fixtures.ts";

/** Text PostgreSQL cannot store: a NUL, a lone high surrogate, a lone low surrogate. */
const UNSTORABLE = ["a\u0000b", "a\ud83db", "\udc00"];

dbTest("ws inputs - NUL or a lone surrogate in any frame field is a bad_request naming it", async (db) => {
  await withServer(db, async (server) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
    const { client } = await connect(server, teacher);
    const other = await connect(server, parent);
    const cases: { field: string; frame: (bad: string, clientId: string) => object; echoes: boolean }[] = [
      {
        field: "clientId",
        frame: (bad) => ({ type: "send", clientId: bad, conversationId: chat.id, body: "Bonjour" }),
        echoes: false,
      },
      {
        field: "conversationId",
        frame: (bad, clientId) => ({ type: "send", clientId, conversationId: bad, body: "Bonjour" }),
        echoes: true,
      },
      {
        field: "body",
        frame: (bad, clientId) => ({
          type: "send",
          clientId,
          conversationId: chat.id,
          body: `Bon${bad}jour`,
        }),
        echoes: true,
      },
      {
        field: "conversationId",
        frame: (bad) => ({ type: "typing", conversationId: bad, typing: true }),
        echoes: false,
      },
      {
        field: "conversationId",
        frame: (bad) => ({ type: "read", conversationId: bad, seq: 0 }),
        echoes: false,
      },
      { field: "seq", frame: (bad) => ({ type: "read", conversationId: chat.id, seq: bad }), echoes: false },
      { field: "type", frame: (bad) => ({ type: `send${bad}`, conversationId: chat.id }), echoes: false },
    ];
    using log = captureLog();
    for (const { field, frame, echoes } of cases) {
      for (const bad of UNSTORABLE) {
        const clientId = crypto.randomUUID();
        const sent = frame(bad, clientId);
        const what = `frame ${JSON.stringify(sent)}`;
        const error = await atMostOneLogLine(log, what, () => {
          client.send(sent);
          return client.nextOfType("error");
        });
        assertEquals(error.code, "bad_request", `${what}: ${JSON.stringify(error)}`);
        assert(String(error.message).startsWith(`${field}: `), `${what} names ${field}: ${error.message}`);
        if (echoes) assertEquals(error.clientId, clientId, `${what} answers its send`);
        // Text fields say what is wrong with the text; `seq` and `type` are not text at all.
        if (field !== "seq" && field !== "type") {
          assert(String(error.message).includes("cannot be stored"), `${what} says why: ${error.message}`);
        }
      }
    }
    // Raw NULs in the frame text itself are not JSON.
    const raw = `{"type":"send","clientId":"c-raw","conversationId":"${chat.id}","body":"a\u0000b"}`;
    const error = await atMostOneLogLine(log, "a raw NUL", () => {
      client.send(raw);
      return client.nextOfType("error");
    });
    assertEquals([error.code, String(error.message).startsWith("frame: ")], ["bad_request", true]);

    // The socket is still open, nothing was stored, and the other member got none of it.
    const stored = await sendAndAck(client, chat.id, "Bonjour");
    assertEquals(stored.seq, 1, "the refused sends stored nothing");
    const delivered = await other.client.nextOfType("message");
    assertEquals((delivered.message as { seq: number }).seq, 1);
    assertEquals(other.client.received.filter((f) => f.type === "typing" || f.type === "read"), []);
    await client.close();
    await other.client.close();
  });
});
