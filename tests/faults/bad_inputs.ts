/**
 * Bad inputs as a property test (issue 15, item 4): a fast-check model throws random, malformed and
 * hostile WebSocket frames and REST calls at the live instances while the background load runs —
 * other establishments' ids, conversations the caller is not in, oversize and binary frames, NUL and
 * lone surrogates, mass-assignment fields, floods — from a signed-in person of the first
 * establishment who is in no load conversation. The oracle: every answer is a clear refusal (a 4xx,
 * an `error` frame other than `internal`, or a documented close code), never a 5xx nor someone
 * else's data; a message the hostile person may send is stored as theirs, whatever fields it
 * carried; and afterwards the world's invariants (`fault_invariants.ts`) all hold. The seed is
 * printed on failure (`PREAU_FAULT_SEED=<seed>` replays it).
 */
import fc from "fast-check";
import { makeConversation } from "../../db/factories.ts";
import { tokenKey } from "../../domain/tokens.ts";
import { api, TEST_SECRET } from "../support/server.ts";
import { type Frame, WsClient } from "../support/ws_client.ts";
import { type FaultOutcome, runScenario } from "../support/fault_scenario.ts";
import { type FaultWorld, makePerson, type WorldPerson } from "../support/fault_world.ts";

/** Close codes a hostile socket may get: documented refusals (docs/protocol.md), never 1006 or 1011. */
const REFUSAL_CLOSES = new Set([1003, 1007, 1008, 1009, 1013]);

/** What the model needs to know of the world. */
interface Targets {
  me: WorldPerson;
  /** The hostile person's own conversation (with one other person). */
  own: string;
  partner: WorldPerson;
  /** Conversations of the same establishment the hostile person is not in. */
  foreign: string[];
  /** Conversations and people of the other establishment. */
  otherConversations: string[];
  otherPeople: string[];
  otherEstablishment: string;
}

type Action =
  | { kind: "frame"; frame: unknown }
  | { kind: "text"; text: string }
  | { kind: "binary"; bytes: Uint8Array }
  | { kind: "oversize"; size: number }
  | { kind: "flood"; count: number }
  | { kind: "send"; conversation: "own" | "foreign" | "other"; body: string; extra: Record<string, unknown> }
  | { kind: "rest"; method: "GET" | "POST"; path: string; body?: unknown };

/** A value in a URL: lone surrogates cannot be sent there (URLs are UTF-8), so they become U+FFFD. */
function uri(value: unknown): string {
  return encodeURIComponent(String(value).toWellFormed());
}

/** Strings a careless or hostile client sends. */
const nastyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udfffy",
    "\u202e",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
  ),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("é".repeat(4000), "é".repeat(4001)),
);

/** Values where an id, a seq or a flag is expected. */
const nastyValue = fc.oneof(
  nastyText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.constant({ $gt: "" }),
  fc.uuid(),
);

function actions(t: Targets): fc.Arbitrary<Action> {
  const anyId = fc.oneof(
    fc.constantFrom(t.own, ...t.foreign, ...t.otherConversations, ...t.otherPeople, t.otherEstablishment),
    nastyValue,
  );
  const frameType = fc.oneof(
    fc.constantFrom("send", "typing", "read", "ping", "hello", "ack", "admin"),
    nastyValue,
  );
  return fc.oneof(
    // A frame of a known or unknown type with random fields.
    {
      arbitrary: fc.record({
        type: frameType,
        clientId: fc.option(nastyValue, { nil: undefined }),
        conversationId: fc.option(anyId, { nil: undefined }),
        body: fc.option(nastyText, { nil: undefined }),
        seq: fc.option(nastyValue, { nil: undefined }),
        typing: fc.option(nastyValue, { nil: undefined }),
      }, { requiredKeys: ["type"] }).map((frame): Action => ({ kind: "frame", frame })),
      weight: 4,
    },
    // Not a JSON object at all.
    fc.oneof(fc.string(), fc.constantFrom("{", "[]", "null", "42", '"send"', '{"type":"send"'))
      .map((text): Action => ({ kind: "text", text })),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes): Action => ({ kind: "binary", bytes })),
    fc.integer({ min: 65_537, max: 200_000 }).map((size): Action => ({ kind: "oversize", size })),
    fc.integer({ min: 30, max: 120 }).map((count): Action => ({ kind: "flood", count })),
    // A send with mass-assignment fields, to its own conversation or somebody else's.
    {
      arbitrary: fc.record({
        conversation: fc.constantFrom("own" as const, "foreign" as const, "other" as const),
        body: fc.oneof(fc.constant("bonjour"), nastyText),
        extra: fc.record({
          senderId: fc.constantFrom(t.partner.userId, ...t.otherPeople),
          seq: fc.integer({ min: 1, max: 3 }),
          id: fc.uuid(),
          createdAt: fc.constant("2000-01-01T00:00:00.000Z"),
          senderName: fc.constant("Direction"),
          establishmentId: fc.constant(t.otherEstablishment),
        }, { requiredKeys: [] }),
      }).map((send): Action => ({ kind: "send", ...send })),
      weight: 3,
    },
    // REST: other establishments' ids, bad pages, mass assignment.
    {
      arbitrary: fc.oneof(
        anyId.map((id): Action => ({
          kind: "rest",
          method: "GET",
          path: `/api/conversations/${uri(String(id))}/messages?after=0`,
        })),
        anyId.map((id): Action => ({
          kind: "rest",
          method: "GET",
          path: `/api/conversations?establishmentId=${uri(String(id))}`,
        })),
        fc.tuple(nastyValue, nastyValue).map(([after, limit]): Action => ({
          kind: "rest",
          method: "GET",
          path: `/api/conversations/${t.own}/messages?after=${uri(String(after))}&limit=${
            uri(String(limit))
          }`,
        })),
        fc.tuple(anyId, nastyValue).map(([id, seq]): Action => ({
          kind: "rest",
          method: "POST",
          path: `/api/conversations/${uri(String(id))}/read`,
          body: { seq },
        })),
        fc.record({
          establishmentId: fc.constantFrom(t.me.establishmentIds[0]!, t.otherEstablishment),
          participantIds: fc.array(fc.constantFrom(t.partner.userId, ...t.otherPeople), {
            minLength: 1,
            maxLength: 3,
          }),
          title: fc.option(nastyText, { nil: undefined }),
          id: fc.option(fc.uuid(), { nil: undefined }),
          createdBy: fc.option(fc.constantFrom(...t.otherPeople), { nil: undefined }),
        }, { requiredKeys: ["establishmentId", "participantIds"] }).map((body): Action => ({
          kind: "rest",
          method: "POST",
          path: "/api/conversations",
          body,
        })),
        fc.tuple(anyId, nastyText).map(([id, q]): Action => ({
          kind: "rest",
          method: "GET",
          path: `/api/recipients?establishmentId=${uri(String(id))}&q=${uri(q)}`,
        })),
      ),
      weight: 3,
    },
  );
}

/** Runs the property under load as one scenario of the suite (recorded as `bad_inputs`). */
export async function badInputsScenario(world: FaultWorld): Promise<void> {
  const establishmentId = world.establishmentIds[0]!;
  const key = tokenKey(TEST_SECRET);
  const me = await makePerson(world.db, key, establishmentId, "teacher");
  const partner = await makePerson(world.db, key, establishmentId, "teacher");
  const own =
    (await makeConversation(world.db, { establishmentId, members: [me.userId, partner.userId] })).id;
  const otherEstablishment = world.establishmentIds[1]!;
  const targets: Targets = {
    me,
    own,
    partner,
    foreign: world.conversations.filter((c) => c.establishmentId === establishmentId).map((c) => c.id),
    otherConversations: world.conversations.filter((c) => c.establishmentId === otherEstablishment).map((c) =>
      c.id
    ),
    otherPeople: world.conversations.filter((c) => c.establishmentId === otherEstablishment)
      .flatMap((c) => c.memberIds).slice(0, 5),
    otherEstablishment,
  };
  const seed = Number(Deno.env.get("PREAU_FAULT_SEED") || Date.now() % 2 ** 31);
  let commands = 0;
  let lastProblems: string[] = [];
  await runScenario(world, "bad_inputs", {
    fault: async (): Promise<FaultOutcome> => {
      const violations: string[] = [];
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(actions(targets), { minLength: 1, maxLength: 6 }), async (list) => {
            const problems = await play(world, targets, list).catch((error) => [
              `the run itself failed: ${error instanceof Error ? error.message : error}`,
            ]);
            commands += list.length;
            if (problems.length > 0) {
              lastProblems = problems;
              throw new Error(problems.join("; "));
            }
          }),
          { seed, numRuns: 25, endOnFailure: true },
        );
      } catch (error) {
        // fast-check's report names the counterexample; what broke is in our own words.
        const report = error instanceof Error ? error.message : String(error);
        violations.push(
          `seed ${seed} (replay with PREAU_FAULT_SEED=${seed}): ${lastProblems.join("; ")}\n${
            report.slice(0, 1500)
          }`,
        );
      }
      return { violations, notes: [`fast-check seed ${seed}, 25 runs, ${commands} hostile actions`] };
    },
  });
}

/** Plays one run's actions on a fresh hostile socket; returns what broke the oracle. */
async function play(world: FaultWorld, t: Targets, list: Action[]): Promise<string[]> {
  const problems: string[] = [];
  const url = world.urls[Math.floor(world.random() * world.urls.length)]!;
  let socket = await WsClient.connect(url, { cookie: t.me.cookie });
  await socket.nextOfType("hello");
  const conversationIds = new Set([t.own]);
  try {
    for (const action of list) {
      if (action.kind === "rest") {
        const answer = await api(url, t.me.cookie, action.path, { method: action.method, body: action.body });
        if (answer.status >= 500) problems.push(`${action.method} ${action.path} answered ${answer.status}`);
        const text = JSON.stringify(answer.body);
        for (const id of [...t.foreign, ...t.otherConversations]) {
          if (answer.status < 300 && text.includes(id)) {
            problems.push(`${action.method} ${action.path} revealed ${id}`);
          }
        }
        if (action.path === "/api/conversations" && answer.status < 300) {
          const made =
            (answer.body as { conversation?: { id?: string; establishmentId?: string } }).conversation;
          if (made?.establishmentId !== t.me.establishmentIds[0]) {
            problems.push(`a conversation was made in ${made?.establishmentId}`);
          }
          if (made?.id === (action.body as { id?: string }).id) {
            problems.push("the client chose the conversation's id");
          }
        }
        continue;
      }
      const before = socket.received.length;
      if (action.kind === "frame") socket.send(action.frame as object);
      else if (action.kind === "text") socket.send(action.text);
      else if (action.kind === "binary") socket.send(action.bytes);
      else if (action.kind === "oversize") {
        socket.send(JSON.stringify({ type: "ping", pad: "x".repeat(action.size) }));
      } else if (action.kind === "flood") {
        for (let i = 0; i < action.count; i++) socket.send({ type: "ping" });
        // Every ping gets one answer (its pong, or a refusal), unless the server closes the socket
        // for the flood: wait for all of them, so that no late pong is taken for a later answer and
        // nothing is written into a socket the server is closing.
        await pingAnswers(socket, before, action.count);
      } else if (action.kind === "send") {
        const conversationId = action.conversation === "own"
          ? t.own
          : action.conversation === "foreign"
          ? t.foreign[0]!
          : t.otherConversations[0]!;
        socket.send({
          ...action.extra,
          type: "send",
          clientId: crypto.randomUUID(),
          conversationId,
          body: action.body,
        });
      }
      // Binary and oversize frames close the socket (1003, 1009): wait for that, sending nothing more
      // (a frame written into a closing socket makes Deno's client report an abnormal closure). After
      // any other action, a ping: its pong (or the close) says the action was dealt with.
      const closes = action.kind === "binary" || action.kind === "oversize";
      const answered = closes
        ? await socket.waitClosed(5_000).then(() => "closed" as const, () => "open" as const)
        : await pongOrClose(socket);
      if (answered === "open") problems.push(`a ${action.kind} frame did not close the socket within 5 s`);
      const frames = socket.received.slice(before);
      for (const frame of frames) problems.push(...judge(frame, conversationIds));
      if (action.kind === "send" && action.conversation === "own" && action.body === "bonjour") {
        const ack = frames.find((f) => f.type === "ack");
        const message = ack?.message as { senderId?: string; createdAt?: string } | undefined;
        if (ack && (message?.senderId !== t.me.userId || message?.createdAt === "2000-01-01T00:00:00.000Z")) {
          problems.push(`a send with extra fields was stored as ${JSON.stringify(message)}`);
        }
      }
      if (answered === "closed") {
        const { code } = await socket.waitClosed();
        // An oversize frame, or a flood refused with 1008, may be cut off by the server's close while
        // Deno's client still writes it: Deno's server drops the connection on data after its close
        // frame, which the client reports as an abnormal closure (0 or 1006) rather than the code sent.
        const cutOff = (action.kind === "oversize" || action.kind === "flood") &&
          (code === 0 || code === 1006);
        if (!REFUSAL_CLOSES.has(code) && !cutOff) {
          problems.push(`a ${action.kind} closed the socket with ${code}`);
        }
        socket = await WsClient.connect(url, { cookie: t.me.cookie });
        await socket.nextOfType("hello");
      }
    }
  } finally {
    await socket.close();
  }
  return problems;
}

/** Whether `frame` answers a client `ping`: its pong, or the frame budget's refusal of it. */
function answersPing(frame: Frame): boolean {
  return frame.type === "pong" ||
    (frame.type === "error" && frame.code === "rate_limited" && frame.clientId === undefined &&
      /^Too many frames/.test(String(frame.message)));
}

/**
 * Waits until `count` answers to pings arrived after `socket.received[from]`, or the socket closed;
 * rejects after 10 s.
 */
async function pingAnswers(socket: WsClient, from: number, count: number): Promise<void> {
  const answered = () => socket.received.slice(from).filter(answersPing).length >= count;
  await socket.until(answered, 10_000, `${count} answers to pings`).catch((error) => {
    if (!/socket closed/.test(String(error)) && !answered()) throw error;
  });
}

/**
 * Sends a ping and waits for its pong, or the close. After a flood the socket's frame budget may be
 * spent (the ping is refused with `rate_limited`): it is sent again each second, for up to 8 s. The
 * pong counts only once every ping sent here has its answer, so a late one is never taken for it.
 */
async function pongOrClose(socket: WsClient): Promise<"answered" | "closed"> {
  const from = socket.received.length;
  const deadline = Date.now() + 8_000;
  let sent = 0;
  while (Date.now() < deadline) {
    try {
      socket.send({ type: "ping" });
      sent++;
    } catch {
      return "closed";
    }
    try {
      await socket.until(
        (received) => {
          const answers = received.slice(from).filter(answersPing);
          return answers.length >= sent && answers.some((f) => f.type === "pong");
        },
        1_000,
        "the pong after an action",
      );
      return "answered";
    } catch (error) {
      if (/socket closed/.test(String(error))) return "closed";
    }
  }
  throw new Error("the socket neither answered a ping within 8 s nor closed");
}

/** Problems with one frame the hostile socket got. */
function judge(frame: Frame, mine: Set<string>): string[] {
  if (frame.type === "error" && frame.code === "internal") return [`an \`internal\` error: ${frame.message}`];
  const inner = frame.message as { conversationId?: string } | undefined;
  const conversationId = typeof frame.conversationId === "string"
    ? frame.conversationId
    : inner?.conversationId;
  if (conversationId !== undefined && !mine.has(conversationId)) {
    return [`a ${frame.type} frame of ${conversationId} reached the hostile socket`];
  }
  return [];
}
