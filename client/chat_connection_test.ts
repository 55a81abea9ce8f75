import { ChatConnection, type SocketLike } from "./chat_connection.ts";
import { assert, assertEquals } from "../tests/support/assert.ts";
import { settlesWithin } from "../util/timeout.ts";
import { installFakeClock } from "../tests/support/fake_clock.ts";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  #listeners = new Map<string, ((event: Event) => void)[]>();
  addEventListener(type: string, listener: (event: Event) => void) {
    this.#listeners.set(type, [...this.#listeners.get(type) ?? [], listener]);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  emit(type: string, init: Record<string, unknown> = {}) {
    const event = Object.assign(new Event(type), init);
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
  open() {
    this.readyState = 1;
    this.emit("open");
  }
  serverClose(code: number, reason = "") {
    this.readyState = 3;
    this.emit("close", { code, reason });
  }
}

function harness(options: Partial<ConstructorParameters<typeof ChatConnection>[0]> = {}) {
  const sockets: FakeSocket[] = [];
  const waiters: (() => void)[] = [];
  let ended = 0;
  const connection = new ChatConnection({
    url: "ws://test/ws/chat",
    onFrame: () => {},
    onSessionEnded: () => ended++,
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      waiters.splice(0).forEach((wake) => wake());
      return socket;
    },
    isOnline: () => true,
    random: () => 0,
    ...options,
  });
  /** Resolves once `count` sockets were created; fails after 2 s. */
  const socketCount = async (count: number) => {
    const deadline = Date.now() + 2000;
    while (sockets.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} sockets, got ${sockets.length}`);
      await settlesWithin(new Promise<void>((resolve) => waiters.push(resolve)), 100);
    }
  };
  return { connection, sockets, socketCount, ended: () => ended };
}

Deno.test("connection - close code 4401 ends the session and never reconnects", () => {
  const { connection, sockets, ended } = harness();
  connection.start();
  sockets[0]!.open();
  assertEquals(connection.state.peek(), "connected");
  sockets[0]!.serverClose(4401);
  assertEquals(ended(), 1);
  assertEquals(connection.state.peek(), "offline");
  assertEquals(connection.retryAt.peek(), null, "no reconnect is scheduled");
  assertEquals(sockets.length, 1);
});

Deno.test("connection - a lost socket reconnects with backoff; a silent one is dropped after the ping", async () => {
  const { connection, sockets, socketCount } = harness({
    pingIntervalMs: 10,
    pongTimeoutMs: 10,
    baseDelayMs: 20,
  });
  try {
    connection.start();
    sockets[0]!.open();
    sockets[0]!.serverClose(1012);
    assertEquals(connection.state.peek(), "reconnecting");
    const retryAt = connection.retryAt.peek();
    assert(retryAt !== null && retryAt - Date.now() >= 5, "the retry waits (backoff)");
    await socketCount(2);
    sockets[1]!.open();
    // No frame answers the ping: the connection gives the socket up and opens another.
    await socketCount(3);
    assert(sockets[1]!.sent.includes(JSON.stringify({ type: "ping" })), "a ping was sent");
    assertEquals(sockets[1]!.closedWith, 4000);
  } finally {
    connection.stop();
  }
});

Deno.test("connection - an upgrade refused while signed out sends the person to the login", async () => {
  const checked = Promise.withResolvers<void>();
  const { connection, sockets, ended } = harness({
    checkSession: () => {
      checked.resolve();
      return Promise.resolve(false);
    },
  });
  connection.start();
  sockets[0]!.serverClose(1006);
  await checked.promise;
  await Promise.resolve();
  assertEquals(ended(), 1);
  assertEquals(sockets.length, 1);
});

Deno.test("connection - one tab too many says so and stops retrying until asked", () => {
  const { connection, sockets } = harness();
  connection.start();
  sockets[0]!.open();
  sockets[0]!.serverClose(1008, "too many connections: at most 10 per account, close another tab or device");
  assertEquals(connection.state.peek(), "too_many");
  assertEquals(connection.retryAt.peek(), null, "no reconnect is scheduled");
  connection.retryNow();
  assertEquals(sockets.length, 2, "the person's retry opens a new socket");
  connection.stop();
});

Deno.test("connection - the backoff never exceeds 4 s, whatever the number of failures", () => {
  const delays: number[] = [];
  const { connection, sockets } = harness({ random: () => 0.999 });
  connection.start();
  for (let i = 0; i < 12; i++) {
    sockets.at(-1)!.serverClose(1006);
    delays.push(connection.retryAt.peek()! - Date.now());
    connection.retryNow();
  }
  connection.stop();
  assert(delays.every((d) => d <= 4000), `delays: ${delays}`);
  assert(delays.at(-1)! >= 3900, `the cap is reached: ${delays}`);
});

Deno.test("connection - server pings are answered with their nonce; a server silent from then on is left within 10 s", () => {
  using clock = installFakeClock();
  const { connection, sockets } = harness();
  try {
    connection.start();
    sockets[0]!.open();
    sockets[0]!.emit("message", {
      data: JSON.stringify({ type: "hello", protocol: 1, user: { id: "u", name: "U" }, conversations: [] }),
    });
    // A live server pings every 5 s: each ping is answered, and the socket stays.
    for (let i = 1; i <= 6; i++) {
      clock.tick(2_500);
      sockets[0]!.emit("message", { data: JSON.stringify({ type: "ping", nonce: String(i) }) });
    }
    assertEquals(sockets.length, 1, "a pinging server is never given up");
    assert(sockets[0]!.sent.includes(JSON.stringify({ type: "pong", nonce: "6" })), "the ping is answered");
    // The server freezes (SIGSTOP): nothing arrives any more.
    const frozenAt = clock.now();
    while (sockets.length < 2 && clock.now() - frozenAt < 20_000) clock.tick(100);
    assertEquals(sockets[0]!.closedWith, 4000);
    assert(clock.now() - frozenAt <= 10_000, `left after ${clock.now() - frozenAt} ms of silence`);
    assertEquals(connection.state.peek(), "reconnecting");
    // The new socket is stuck connecting (a frozen server accepts but never answers): given up too.
    const connectingAt = clock.now();
    while (sockets.length < 3 && clock.now() - connectingAt < 20_000) clock.tick(100);
    assertEquals(sockets[1]!.closedWith, 4000);
    assert(clock.now() - connectingAt <= 10_000, `an upgrade stuck for ${clock.now() - connectingAt} ms`);
  } finally {
    connection.stop();
  }
});
