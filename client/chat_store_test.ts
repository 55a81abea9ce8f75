import { ACK_TIMEOUT_MS, type ChatApi, ChatStore, MAX_INTERNAL_RETRIES, RESEND_DELAY } from "./chat_store.ts";
import { installFakeClock } from "../tests/support/fake_clock.ts";
import type { ChatBoot, ClientFrame, ServerFrame, WireConversation, WireMessage } from "./types.ts";
import { assertEquals } from "../tests/support/assert.ts";
import { sleep } from "../util/timeout.ts";

const ME = "me";
const CONV = "c1";

const message = (seq: number, senderId = "marc", id = `m${seq}`): WireMessage => ({
  id,
  conversationId: CONV,
  seq,
  senderId,
  senderName: senderId === ME ? "Hélène" : "Marc",
  body: `#${seq}`,
  createdAt: new Date(Date.UTC(2024, 5, 1, 8, seq)).toISOString(),
});

function boot(held: WireMessage[]): ChatBoot {
  const last = held.at(-1);
  const conversation: WireConversation = {
    id: CONV,
    establishmentId: "e1",
    title: null,
    participants: [],
    lastMessage: last ?? null,
    lastSeq: last?.seq ?? 0,
    readSeq: last?.seq ?? 0,
    unread: 0,
    updatedAt: last?.createdAt ?? new Date(0).toISOString(),
  };
  return {
    locale: "fr",
    timeZone: "Europe/Paris",
    user: { id: ME, name: "Hélène" },
    establishmentId: "e1",
    establishments: [{ id: "e1", name: "École Jules-Ferry" }],
    basePath: "/fr/parents/messagerie",
    conversations: [conversation],
    selectedId: CONV,
    messages: held,
    hasOlder: false,
    loginPath: "/fr/login",
    canCreateGroups: false,
  };
}

/** The `hello` of a reconnect, with the conversation at `lastSeq` and `readSeq`. */
function hello(lastSeq: number, readSeq: number): ServerFrame {
  return {
    type: "hello",
    protocol: 1,
    user: { id: ME, name: "Hélène" },
    conversations: [{ id: CONV, establishmentId: "e1", lastSeq, readSeq, unread: lastSeq - readSeq }],
  };
}

/** A store over fake REST (serving `server` messages) and a fake socket recording frames. */
function setup(held: WireMessage[], server: WireMessage[]) {
  const calls: unknown[] = [];
  const api: ChatApi = {
    fetchMessages: (_id, page) => {
      calls.push(page);
      return Promise.resolve(server.filter((m) => m.seq > (page.after ?? 0)).slice(0, page.limit ?? 50));
    },
    fetchConversationPage: () => Promise.resolve({ conversations: boot(server).conversations, next: null }),
    postRead: () => Promise.resolve(),
  };
  const sent: ClientFrame[] = [];
  const socket = { open: true };
  const store = new ChatStore(boot(held), api);
  store.attach({ send: (f) => socket.open && sent.push(f) > 0, isOpen: () => socket.open });
  const seqs = () => store.thread(CONV).messages.peek().map((m) => m.seq);
  const settle = () => sleep(0);
  return { store, api, calls, sent, socket, seqs, settle };
}

Deno.test("chat store - a message frame that skips a seq fetches the gap; duplicates are dropped", async () => {
  const all = [1, 2, 3, 4, 5].map((n) => message(n));
  const { store, calls, seqs, settle } = setup(all.slice(0, 2), all);
  store.handleFrame({ type: "message", message: all[4]! });
  await settle();
  assertEquals(calls, [{ after: 2, limit: 100 }]);
  assertEquals(seqs(), [1, 2, 3, 4, 5]);
  store.handleFrame({ type: "message", message: all[4]! });
  store.handleFrame({ type: "message", message: all[3]! });
  assertEquals(seqs(), [1, 2, 3, 4, 5]);
  assertEquals(store.conversation(CONV)?.unread, 3);
});

Deno.test("chat store - offline messages queue; hello resyncs and sends them with their clientId", async () => {
  const all = [1, 2, 3, 4].map((n) => message(n));
  const { store, calls, sent, socket, seqs, settle } = setup(all.slice(0, 2), all);
  socket.open = false;
  store.handleDisconnect();
  store.send(CONV, "écrit hors ligne");
  assertEquals(store.outbox.peek().map((o) => o.state), ["queued"]);
  assertEquals(sent, []);
  socket.open = true;
  store.handleFrame(hello(4, 2));
  await settle();
  assertEquals(calls[0], { after: 2, limit: 100 });
  assertEquals(seqs(), [1, 2, 3, 4]);
  const clientId = store.outbox.peek()[0]!.clientId;
  assertEquals(sent, [{ type: "send", clientId, conversationId: CONV, body: "écrit hors ligne" }]);
  assertEquals(store.outbox.peek()[0]!.state, "pending");
  store.handleFrame({ type: "ack", clientId, message: { ...message(5, ME), body: "écrit hors ligne" } });
  assertEquals(store.outbox.peek(), []);
  assertEquals(seqs(), [1, 2, 3, 4, 5]);
  assertEquals(store.conversation(CONV)?.unread, 0, "sending advances our read marker");
});

Deno.test("chat store - a message the server refused for good is marked failed and retried with the same clientId", () => {
  const { store, sent } = setup([message(1)], [message(1)]);
  store.send(CONV, "bonjour");
  const clientId = store.outbox.peek()[0]!.clientId;
  store.handleFrame({ type: "error", code: "forbidden", message: "not yours", clientId });
  assertEquals(store.outbox.peek()[0]!.state, "failed");
  store.retry(clientId);
  assertEquals(sent.map((f) => f.type === "send" && f.clientId), [clientId, clientId]);
  assertEquals(store.outbox.peek()[0]!.state, "pending");
  store.handleFrame({ type: "ack", clientId, message: { ...message(2, ME), body: "bonjour" } });
  assertEquals(store.outbox.peek(), []);
});

Deno.test("chat store - a send answered 'unavailable' or 'rate_limited' is resent by itself with its clientId, never shown as failed", () => {
  using clock = installFakeClock();
  const { store, sent } = setup([message(1)], [message(1)]);
  store.send(CONV, "pendant la panne");
  const clientId = store.outbox.peek()[0]!.clientId;
  const states: string[] = [];
  for (const [i, code] of ["unavailable", "rate_limited", "overloaded", "unavailable"].entries()) {
    store.handleFrame({ type: "error", code, message: "try again", clientId });
    states.push(store.outbox.peek()[0]!.state);
    clock.tick(RESEND_DELAY.baseMs * 2 ** i); // the longest backoff of resend number i
    states.push(store.outbox.peek()[0]!.state);
  }
  assertEquals(states, Array.from({ length: 4 }, () => ["queued", "pending"]).flat());
  assertEquals(sent.map((f) => f.type === "send" && f.clientId), Array(5).fill(clientId));
  store.handleFrame({ type: "ack", clientId, message: { ...message(2, ME), body: "pendant la panne" } });
  assertEquals(store.outbox.peek(), []);
  clock.tick(60_000);
  assertEquals(sent.length, 5, "nothing is resent once acked");
});

Deno.test("chat store - a send whose ack never comes is sent again with the same clientId, without a click", () => {
  using clock = installFakeClock();
  const { store, sent } = setup([message(1)], [message(1)]);
  store.send(CONV, "ack perdu");
  const clientId = store.outbox.peek()[0]!.clientId;
  clock.tick(ACK_TIMEOUT_MS);
  assertEquals(store.outbox.peek()[0]!.state, "queued", "waiting for its resend, not failed");
  clock.tick(RESEND_DELAY.baseMs);
  assertEquals(store.outbox.peek()[0]!.state, "pending");
  assertEquals(sent.map((f) => f.type === "send" && f.clientId), [clientId, clientId]);
  store.handleFrame({ type: "ack", clientId, message: { ...message(2, ME), body: "ack perdu" } });
  assertEquals(store.outbox.peek(), []);
});

Deno.test("chat store - 'internal' is resent a few times, then shown as failed", () => {
  using clock = installFakeClock();
  const { store, sent } = setup([message(1)], [message(1)]);
  store.send(CONV, "bogue");
  const clientId = store.outbox.peek()[0]!.clientId;
  for (let i = 0; i < MAX_INTERNAL_RETRIES; i++) {
    store.handleFrame({ type: "error", code: "internal", message: "oops", clientId });
    assertEquals(store.outbox.peek()[0]!.state, "queued");
    clock.tick(RESEND_DELAY.baseMs * 2 ** i);
  }
  store.handleFrame({ type: "error", code: "internal", message: "oops", clientId });
  assertEquals(store.outbox.peek()[0]!.state, "failed");
  assertEquals(sent.length, MAX_INTERNAL_RETRIES + 1);
});

Deno.test("chat store - typing shows until that person's message; reads in another tab clear the badge", () => {
  const { store } = setup([message(1)], [message(1)]);
  store.handleFrame({ type: "typing", conversationId: CONV, userId: "marc", name: "Marc", typing: true });
  assertEquals(store.typing.peek()[CONV]?.map((t) => t.name), ["Marc"]);
  store.handleFrame({ type: "message", message: message(2) });
  assertEquals(store.typing.peek()[CONV], []);
  assertEquals(store.totalUnread.peek(), 1);
  store.handleFrame({ type: "read", conversationId: CONV, userId: ME, seq: 2 });
  assertEquals(store.totalUnread.peek(), 0);
  store.handleDisconnect();
});

Deno.test("chat store - a failed copy becomes the delivered message when a resync brings its clientId", async () => {
  const server = [message(1)];
  const { store, socket, settle } = setup(server, server);
  socket.open = false;
  store.send(CONV, "Rendez-vous jeudi");
  const clientId = store.outbox.peek()[0]!.clientId;
  store.handleFrame({ type: "error", code: "bad_request", message: "x", clientId });
  assertEquals(store.outbox.peek().map((o) => o.state), ["failed"]);
  // The server had stored it after all: the resync after the reconnect brings it, with its clientId.
  server.push({ ...message(2, ME), body: "Rendez-vous jeudi", clientId });
  socket.open = true;
  store.handleFrame(hello(2, 2));
  await settle();
  assertEquals(store.outbox.peek(), [], "no 'not sent' copy beside the delivered one");
  assertEquals(store.thread(CONV).messages.peek().map((m) => m.body), ["#1", "Rendez-vous jeudi"]);
});

Deno.test("chat store - our message arriving from another tab settles the pending copy", () => {
  const { store } = setup([message(1)], [message(1)]);
  store.send(CONV, "Bonjour");
  const clientId = store.outbox.peek()[0]!.clientId;
  store.handleFrame({ type: "message", message: { ...message(2, ME), clientId } });
  assertEquals(store.outbox.peek(), []);
});

Deno.test("chat store - typing on and off quickly sends typing frames no faster than the server accepts", () => {
  const { store, sent } = setup([message(1)], [message(1)]);
  for (let i = 0; i < 20; i++) {
    store.noteTyping(CONV);
    store.stopTyping(CONV);
  }
  store.noteTyping(CONV);
  store.send(CONV, "Fini");
  const typing = sent.filter((f) => f.type === "typing");
  assertEquals(
    typing,
    [{ type: "typing", conversationId: CONV, typing: true }],
    "one frame, no false after a send",
  );
  store.handleDisconnect();
});

Deno.test("chat store - a resumed hello's missed messages are taken without fetching; fetch: true fetches", async () => {
  const all = [1, 2, 3, 4].map((n) => message(n));
  const { store, calls, seqs, settle } = setup(all.slice(0, 2), all);
  assertEquals(store.resumeFrame(), { type: "resume", conversations: [{ id: CONV, seq: 2 }] });
  const carried = hello(4, 2);
  if (carried.type !== "hello") throw new Error("unreachable");
  carried.conversations[0] = { ...carried.conversations[0]!, messages: all.slice(2) };
  store.handleFrame(carried);
  await settle();
  assertEquals(calls, [], "no REST call");
  assertEquals(seqs(), [1, 2, 3, 4]);
  assertEquals(store.conversation(CONV)?.lastMessage?.seq, 4);
  assertEquals(store.totalUnread.value, 2);

  const behind = setup(all.slice(0, 1), all);
  const fetch = hello(4, 1);
  if (fetch.type !== "hello") throw new Error("unreachable");
  fetch.conversations[0] = { ...fetch.conversations[0]!, fetch: true };
  behind.store.handleFrame(fetch);
  await behind.settle();
  assertEquals(behind.calls[0], { after: 1, limit: 100 });
  assertEquals(behind.seqs(), [1, 2, 3, 4]);
});

Deno.test("chat store - a resync frame fetches the dropped messages of a loaded conversation", async () => {
  const all = [1, 2, 3, 4, 5].map((n) => message(n));
  const { store, calls, seqs, settle } = setup(all.slice(0, 2), all);
  store.handleFrame({ type: "resync", conversations: [{ id: CONV, lastSeq: 4 }] });
  await settle();
  assertEquals(calls[0], { after: 2, limit: 100 });
  assertEquals(seqs(), [1, 2, 3, 4, 5]);
});

Deno.test("chat store - a catch-up that failed is tried again after a backoff, without a reconnect", async () => {
  using clock = installFakeClock();
  const all = [1, 2, 3, 4, 5].map((n) => message(n));
  const { store, api, calls, seqs } = setup(all.slice(0, 2), all);
  const fetch = api.fetchMessages;
  let failures = 2;
  api.fetchMessages = (...args) => failures-- > 0 ? Promise.reject(new Error("503")) : fetch(...args);
  const drain = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  const warn = console.warn;
  console.warn = () => {};
  try {
    store.handleFrame({ type: "message", message: all[4]! });
    await drain();
    assertEquals(seqs(), [1, 2, 5], "the first fetch failed");
    clock.tick(RESEND_DELAY.baseMs);
    await drain();
    assertEquals(seqs(), [1, 2, 5], "so did the first retry");
    clock.tick(2 * RESEND_DELAY.baseMs);
    await drain();
    assertEquals(seqs(), [1, 2, 3, 4, 5], "the second retry filled the gap");
    assertEquals(calls.length, 1, "only the successful fetch reached the fake server");
    clock.tick(60_000);
    await drain();
    assertEquals(calls.length, 1, "nothing more once caught up");
  } finally {
    console.warn = warn;
  }
});
