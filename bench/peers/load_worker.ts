/**
 * One load-client worker: opens its share of the sockets (clients `i` with `i % workers == index`), sends
 * its share of the open-loop schedule (each message carries its scheduled send time, so a late send counts
 * as latency: no coordinated omission) and records the latency of every delivery to a counted client.
 * Speaks the four systems' protocols: Préau v1 over `/ws/chat` with its session cookie, the two minimal
 * servers' `{"room","body"}` JSON, and Socket.IO.
 */
/// <reference lib="deno.worker" />
import { io, type Socket } from "socket.io-client";
import { record } from "../load/stats.ts";
import { type ClientSpec, emptyResult, type LoadResult, type LoadSpec } from "./load_spec.ts";

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Handlers {
  onDelivery(body: string): void;
  /** `sentAt`: the scheduled send time of the acknowledged message (epoch ms). */
  onAck(sentAt: number): void;
  onRefused(): void;
  onClose(code: number): void;
}

interface Conn {
  send(room: string, body: string, clientId: string): void;
  close(): void;
  /** Préau: `lastSeq` per conversation from `hello`, and the conversation entries themselves. */
  hello?: { id: string; lastSeq: number; [k: string]: unknown }[];
}

/** The body of a bench message: `b|<scheduled send time, epoch ms>|<key>`; returns the time. */
function sentAt(text: string): number {
  const at = text.indexOf("b|");
  if (at === -1) return NaN;
  return parseFloat(text.slice(at + 2, text.indexOf("|", at + 2)));
}

function wsUrl(base: string, path: string): string {
  return base.replace(/^http/, "ws") + path;
}

/**
 * A Préau sender without a socket: each message is a `POST /api/conversations/:id/messages` (fetch keeps the
 * connection alive), acknowledged by its `201` (stored) or `200` (a repeated `clientId`). One request at a
 * time per sender, the next after the previous answer: that keeps one person's messages in order, as their
 * socket would (which handles its frames one at a time), and lets the server's slowness show as latency (the
 * schedule stays fixed; each message carries its scheduled time) instead of as an unbounded pile of requests.
 */
function restSender(url: string, client: ClientSpec, h: Handlers): Conn {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (client.cookie) headers.cookie = client.cookie;
  if (client.xff) headers["x-forwarded-for"] = client.xff;
  let previous: Promise<void> = Promise.resolve();
  const post = async (room: string, body: string, clientId: string) => {
    try {
      const response = await fetch(`${url}/api/conversations/${room}/messages`, {
        method: "POST",
        headers,
        body: JSON.stringify({ clientId, body }),
      });
      await response.body?.cancel();
      if (response.status === 201 || response.status === 200) h.onAck(sentAt(body));
      else h.onRefused();
    } catch {
      h.onRefused();
    }
  };
  return {
    send(room, body, clientId) {
      previous = previous.then(() => post(room, body, clientId));
    },
    close() {},
  };
}

/**
 * Opens one client's socket. With `resume` (Préau, the resync scenario) it reconnects as the browser
 * client does: `?resume=1` and, as its first frame, the last seq it holds of each conversation, so
 * that `hello` can carry what it missed.
 */
function connect(
  spec: LoadSpec,
  url: string,
  client: ClientSpec,
  h: Handlers,
  resume?: ReadonlyMap<string, number>,
): Promise<Conn> {
  const listens = client.listens !== false;
  if (spec.system === "preau" && !listens) return Promise.resolve(restSender(url, client, h));
  // The peers' senders that receive nothing join no room; their servers broadcast to a room from outside it.
  const rooms = listens ? client.rooms.join(",") : "";
  const { promise, resolve, reject } = Promise.withResolvers<Conn>();
  const timer = setTimeout(() => reject(new Error("connect timed out after 20 s")), 20_000);
  const done = (conn: Conn) => (clearTimeout(timer), resolve(conn));
  const fail = (e: unknown) => (clearTimeout(timer), reject(e));
  if (spec.system === "socketio") {
    const socket: Socket = io(url, {
      transports: ["websocket"],
      query: { rooms },
      forceNew: true,
      reconnection: false,
      timeout: 20_000,
    });
    socket.on("message", (m: { body: string }) => h.onDelivery(m.body));
    socket.on("disconnect", () => h.onClose(1006));
    socket.on("connect_error", fail);
    socket.on("connect", () =>
      done({
        send: (room, body) => socket.emit("send", { room, body }, () => h.onAck(sentAt(body))),
        close: () => socket.disconnect(),
      }));
    return promise;
  }
  const preau = spec.system === "preau";
  const headers: Record<string, string> = {};
  if (client.cookie) headers.cookie = client.cookie;
  if (client.xff) headers["x-forwarded-for"] = client.xff;
  const target = preau
    ? wsUrl(url, resume ? "/ws/chat?resume=1" : "/ws/chat")
    : wsUrl(url, `/ws?rooms=${encodeURIComponent(rooms)}`);
  // @ts-ignore: Deno's WebSocket takes `{ headers }` as its second argument.
  const socket = new WebSocket(target, { headers });
  // The minimal servers ack with the seq only; a socket's acks come in the order of its sends (at 5/s
  // per socket one statement is in flight at a time).
  const unacked: number[] = [];
  const conn: Conn = {
    send: preau
      ? (room, body, clientId) =>
        socket.send(JSON.stringify({ type: "send", clientId, conversationId: room, body }))
      : (room, body) => {
        socket.send(JSON.stringify({ room, body }));
        if (spec.system === "pgnotify") unacked.push(sentAt(body));
      },
    close: () => socket.close(1000),
  };
  let open = false;
  socket.onerror = () => !open && fail(new Error(`socket to ${target} failed`));
  socket.onclose = (e) => (open ? h.onClose(e.code) : fail(new Error(`closed ${e.code} ${e.reason}`)));
  if (!preau) {
    socket.onopen = () => (open = true, done(conn));
    socket.onmessage = (e) => {
      const data = String(e.data);
      if (data.startsWith('{"ack"')) h.onAck(unacked.shift() ?? NaN);
      else h.onDelivery(data);
    };
    return promise;
  }
  if (resume) {
    const conversations = [...resume].map(([id, seq]) => ({ id, seq }));
    socket.onopen = () => socket.send(JSON.stringify({ type: "resume", conversations }));
  }
  // Préau's liveness `ping` (every 5 s) wants its nonce back, or the socket is closed with 1013.
  const pong = (data: string) => {
    const { nonce } = JSON.parse(data) as { nonce?: unknown };
    if (typeof nonce === "string" && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "pong", nonce }));
    }
  };
  socket.onmessage = (e) => {
    const data = String(e.data);
    if (!open) {
      const frame = JSON.parse(data);
      if (frame.type === "ping") pong(data);
      else if (frame.type === "hello") {
        open = true;
        conn.hello = frame.conversations;
        done(conn);
      }
      return;
    }
    // Frame kinds are told apart without parsing the whole frame (the client must not be the bottleneck).
    const head = data.slice(0, 40);
    if (head.includes('"type":"message"')) h.onDelivery(data);
    else if (head.includes('"type":"ack"')) h.onAck(sentAt(data));
    else if (head.includes('"type":"error"')) h.onRefused();
    else if (head.includes('"type":"ping"')) pong(data);
  };
  return promise;
}

/** A socket that reads its `hello` and then nothing (the slow consumer), over bare TCP. */
async function slowConsumer(url: string, client: ClientSpec): Promise<Conn> {
  const { hostname, port } = new URL(url);
  const tcp = await Deno.connect({ hostname, port: Number(port) });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const request = [
    `GET /ws/chat HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
    ...(client.cookie ? [`Cookie: ${client.cookie}`] : []),
    ...(client.xff ? [`X-Forwarded-For: ${client.xff}`] : []),
    "",
    "",
  ].join("\r\n");
  await tcp.write(new TextEncoder().encode(request));
  const buf = new Uint8Array(4096);
  await tcp.read(buf); // the 101 answer (and perhaps the hello); then never read again
  return { send: () => {}, close: () => tcp.close() };
}

async function run(spec: LoadSpec, index: number, control: { next(kind: string): Promise<unknown> }) {
  const result = emptyResult();
  let measuring = true;
  // Our own closes (end of the run, the resync's disconnect) are not the server's doing.
  let closing = false;
  const mine = spec.clients.map((c, i) => ({ c, i })).filter(({ i }) => i % spec.workers === index);
  const conns = new Map<number, Conn>();
  const handlersFor = (client: ClientSpec): Handlers => ({
    onDelivery(body) {
      if (!measuring || client.counted === false) return;
      result.received++;
      record(result.latency, now() - sentAt(body));
    },
    onAck(at) {
      result.acked++;
      if (measuring && Number.isFinite(at)) record(result.ackLatency, now() - at);
    },
    onRefused: () => result.refused++,
    onClose(code) {
      if (measuring && !closing) result.closes[code] = (result.closes[code] ?? 0) + 1;
    },
  });
  const openAll = async (
    onOpen?: (i: number, conn: Conn) => void,
    resumeOf?: (i: number) => ReadonlyMap<string, number> | undefined,
    which: readonly { c: ClientSpec; i: number }[] = mine,
  ) => {
    let next = 0;
    await Promise.all(Array.from({ length: Math.max(1, spec.connectConcurrency) }, async () => {
      while (next < which.length) {
        const { c, i } = which[next++]!;
        const url = spec.urls[i % spec.urls.length]!;
        try {
          const conn = c.slow
            ? await slowConsumer(url, c)
            : await connect(spec, url, c, handlersFor(c), resumeOf?.(i));
          conns.set(i, conn);
          onOpen?.(i, conn);
        } catch (error) {
          result.connectFailures++;
          if (result.connectFailures <= 3) console.error(`client ${i}: ${error}`);
        }
      }
    }));
  };
  const closeAll = () => {
    closing = true;
    for (const conn of conns.values()) conn.close();
    conns.clear();
    // A close event comes after a turn of the event loop; sockets opened later count again.
    setTimeout(() => closing = false, 1000);
  };

  if (spec.resync) {
    await resync(spec, openAll, closeAll, control, result);
    return result;
  }
  if (spec.holdMs !== undefined) {
    // Two steps, so that the orchestrator measures what the second half adds (see `LoadSpec.holdMs`).
    const half = Math.floor(spec.clients.length / 2);
    await openAll(undefined, undefined, mine.filter(({ i }) => i < half));
    await control.next("half");
    await openAll(undefined, undefined, mine.filter(({ i }) => i >= half));
    await control.next("start");
    await sleep(spec.holdMs);
    measuring = false;
    closeAll();
    return result;
  }
  await openAll();
  const start = (await control.next("start")) as number;
  const counted = new Map<string, number>();
  for (const c of spec.clients) {
    if (c.counted === false) continue;
    for (const room of c.rooms) counted.set(room, (counted.get(room) ?? 0) + 1);
  }
  const total = Math.floor((spec.rate * spec.durationMs) / 1000);
  const n = spec.senders.length;
  const interval = 1000 / spec.rate;
  const pad = spec.pad ? "|" + "x".repeat(spec.pad) : "";
  for (let i = 0; i < total; i++) {
    const sender = spec.senders[i % n]!;
    if (sender.client % spec.workers !== index) continue;
    const due = start + i * interval;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    const conn = conns.get(sender.client);
    const senderCounted = spec.clients[sender.client]!.counted !== false;
    result.expected += (counted.get(sender.room) ?? 0) - (senderCounted ? 1 : 0);
    if (!conn) continue;
    try {
      conn.send(sender.room, `b|${due}|${index}-${i}${pad}`, `c${index}-${i}-${start}`);
      result.sent++;
    } catch {
      // The server closed this socket (its close code is counted); the message is lost.
    }
  }
  await sleep(start + spec.durationMs + spec.drainMs - now());
  measuring = false;
  closeAll();
  return result;
}

async function resync(
  spec: LoadSpec,
  openAll: (
    onOpen?: (i: number, conn: Conn) => void,
    resumeOf?: (i: number) => ReadonlyMap<string, number> | undefined,
  ) => Promise<void>,
  closeAll: () => void,
  control: { next(kind: string): Promise<unknown> },
  result: LoadResult,
) {
  const missed = spec.resync!.missed;
  const held = new Map<number, Map<string, number>>();
  await openAll((i, conn) => {
    held.set(i, new Map((conn.hello ?? []).map((c) => [c.id, c.lastSeq])));
  });
  closeAll();
  await control.next("go");
  const began = now();
  let last = began;
  let incomplete = 0;
  const finished = async (i: number, conn: Conn) => {
    const client = spec.clients[i]!;
    if (spec.system !== "preau") return;
    const before = held.get(i) ?? new Map();
    for (const room of client.rooms) {
      const entry = conn.hello?.find((c) => c.id === room);
      const from = before.get(room) ?? 0;
      if (!entry || entry.lastSeq - from < missed) {
        throw new Error(`hello of client ${i} shows no missed messages`);
      }
      // A hello that carries the missed messages inline (issue 14) needs no request.
      const inline = Object.values(entry).find((v): v is { seq: number }[] =>
        Array.isArray(v) && v.length > 0 && typeof (v[0] as { seq?: unknown }).seq === "number"
      );
      if (inline && inline.filter((m) => m.seq > from).length >= missed) continue;
      const url = spec.urls[i % spec.urls.length]!;
      const response = await fetch(`${url}/api/conversations/${room}/messages?after=${from}&limit=100`, {
        headers: { cookie: client.cookie ?? "", "x-forwarded-for": client.xff ?? "" },
      });
      const body = await response.json() as { messages?: unknown[] };
      if ((body.messages?.length ?? 0) < missed) throw new Error(`resync of client ${i}: ${response.status}`);
    }
  };
  const pending = new Set<number>();
  await openAll((i, conn) => {
    finished(i, conn).then(() => last = Math.max(last, now()), (error) => {
      incomplete++;
      if (incomplete <= 3) console.error(String(error));
    }).finally(() => pending.delete(i));
    pending.add(i);
  }, (i) => held.get(i));
  const deadline = began + 60_000;
  while (pending.size > 0 && now() < deadline) await sleep(5);
  result.resyncMs = last - began;
  result.resyncIncomplete = incomplete + pending.size + result.connectFailures;
  closeAll();
}

// The control channel with the client's main isolate.
const waiting = new Map<string, (value: unknown) => void>();
const arrived = new Map<string, unknown>();
const control = {
  next(kind: string): Promise<unknown> {
    if (arrived.has(kind)) return Promise.resolve(arrived.get(kind));
    return new Promise((resolve) => waiting.set(kind, resolve));
  },
};
self.onmessage = async (event: MessageEvent) => {
  const message = event.data as { kind: string; spec?: LoadSpec; index?: number; value?: unknown };
  if (message.kind === "run") {
    const spec = message.spec!;
    try {
      const result = await run(spec, message.index!, {
        next: async (kind) => {
          self.postMessage({ kind: "ready", phase: kind });
          return await control.next(kind);
        },
      });
      self.postMessage({ kind: "result", result });
    } catch (error) {
      self.postMessage({ kind: "failed", error: String(error) });
    }
    return;
  }
  arrived.set(message.kind, message.value);
  waiting.get(message.kind)?.(message.value);
};
