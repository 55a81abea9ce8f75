/**
 * WebSocket clients for tests of `/ws/chat`.
 *
 * `WsClient` wraps Deno's `WebSocket` (which accepts `Cookie` and `Origin` headers): it answers the
 * server's liveness `ping` with its `pong` as the browser client does (unless `answerPings: false`;
 * pings are counted in `pings`, not queued), queues every other frame received, `next(predicate)` waits for (and takes) the first matching one within a bounded
 * time, and `closed` resolves with the close code. Waits never hang: each has a timeout naming what
 * was awaited and the frames seen instead.
 *
 * `rawUpgrade` and `RawWsClient` speak the protocol over a bare TCP connection, for what a browser
 * API cannot do: read the HTTP answer of a refused upgrade, and stop reading (a slow consumer).
 */
import { TimeoutError, withTimeout } from "../../util/timeout.ts";

/** A server frame, decoded. */
export interface Frame {
  type: string;
  [field: string]: unknown;
}

/** How a socket closed. */
export interface Closed {
  code: number;
  reason: string;
}

/** Options of {@linkcode WsClient.connect}. */
export interface WsConnectOptions {
  /** The `Cookie` header (e.g. from `loginCookie`). */
  cookie?: string;
  /** The `Origin` header; none by default (a non-browser client). */
  origin?: string;
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Answer the server's `ping` frames with `pong` (a live reader). Default true. */
  answerPings?: boolean;
}

/** `ws://host:port/ws/chat` for a server at `http://host:port`. */
export function chatUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/ws/chat`;
}

/** See the module documentation. */
export class WsClient {
  /** Every frame received, in order (including those taken by `next`), except the server's pings. */
  readonly received: Frame[] = [];
  /** Server `ping` frames received. */
  pings = 0;
  readonly closed: Promise<Closed>;
  readonly #socket: WebSocket;
  #queue: Frame[] = [];
  #waiters = new Set<() => void>();
  #closedWith: Closed | undefined;

  private constructor(socket: WebSocket, answerPings: boolean) {
    this.#socket = socket;
    const { promise, resolve } = Promise.withResolvers<Closed>();
    this.closed = promise;
    socket.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as Frame;
      if (frame.type === "ping" && typeof frame.nonce === "string") {
        this.pings++;
        if (answerPings && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: "pong", nonce: frame.nonce }));
        }
        return;
      }
      this.received.push(frame);
      this.#queue.push(frame);
      for (const wake of [...this.#waiters]) wake();
    };
    socket.onclose = (event) => {
      this.#closedWith = { code: event.code, reason: event.reason };
      resolve(this.#closedWith);
      for (const wake of [...this.#waiters]) wake();
    };
  }

  /** Opens a socket; rejects when the upgrade is refused (the error names the HTTP status). */
  static connect(baseUrl: string, options: WsConnectOptions = {}): Promise<WsClient> {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    if (options.origin) headers.origin = options.origin;
    // @ts-ignore: Deno's WebSocket takes `{ headers }` as its second argument.
    const socket = new WebSocket(chatUrl(baseUrl), { headers });
    const client = new WsClient(socket, options.answerPings ?? true);
    return withTimeout(
      new Promise<WsClient>((resolve, reject) => {
        socket.addEventListener("open", () => resolve(client), { once: true });
        socket.addEventListener(
          "error",
          (event) => reject(new Error(`WebSocket refused: ${(event as ErrorEvent).message}`)),
          { once: true },
        );
      }),
      options.timeoutMs ?? 10_000,
      { what: "the WebSocket to open" },
    );
  }

  /** Sends a frame (objects are JSON-encoded; strings and bytes go as they are). */
  send(frame: object | string | Uint8Array): void {
    this.#socket.send(
      typeof frame === "string" || frame instanceof Uint8Array ? frame : JSON.stringify(frame),
    );
  }

  /** Takes the first queued frame matching `predicate`, waiting up to `timeoutMs` for one. */
  next(
    predicate: (frame: Frame) => boolean = () => true,
    timeoutMs = 10_000,
    what = "a frame",
  ): Promise<Frame> {
    return this.#waitFor(
      () => {
        const index = this.#queue.findIndex(predicate);
        return index === -1 ? undefined : { value: this.#queue.splice(index, 1)[0]! };
      },
      timeoutMs,
      what,
      () => `queued: ${this.#describeQueue()}`,
    );
  }

  /**
   * Waits until `condition` holds for the frames received so far (all of them, taken or not),
   * checking again at each new frame, for at most `timeoutMs`.
   */
  until(
    condition: (received: readonly Frame[]) => boolean,
    timeoutMs = 10_000,
    what = "a condition",
  ): Promise<void> {
    return this.#waitFor(
      () => condition(this.received) ? { value: undefined } : undefined,
      timeoutMs,
      what,
      () => `received ${this.received.length}`,
    );
  }

  /** Takes the next frame of `type`. */
  nextOfType(type: string, timeoutMs = 10_000): Promise<Frame> {
    return this.next((frame) => frame.type === type, timeoutMs, `a "${type}" frame`);
  }

  /** Frames still queued (not taken by `next`) that match `predicate`, without taking them. */
  queued(predicate: (frame: Frame) => boolean = () => true): Frame[] {
    return this.#queue.filter(predicate);
  }

  /** Waits for the close, up to `timeoutMs`. */
  waitClosed(timeoutMs = 10_000): Promise<Closed> {
    return withTimeout(this.closed, timeoutMs, { what: "the socket to close" });
  }

  /** Closes (if still open) and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.#closedWith) return;
    try {
      this.#socket.close(1000);
    } catch { /* closing already */ }
    await this.waitClosed().catch(() => {});
  }

  /**
   * Resolves with what `attempt` returns once it returns something, trying now and at each new frame;
   * rejects when the socket closes first, or after `timeoutMs` (the error ends with `progress()`).
   */
  #waitFor<T>(
    attempt: () => { value: T } | undefined,
    timeoutMs: number,
    what: string,
    progress: () => string,
  ): Promise<T> {
    let check = () => {};
    let settled = false;
    const found = new Promise<T>((resolve, reject) => {
      check = () => {
        // `attempt` may take a frame from the queue: never again once one was found.
        if (settled) return;
        const result = attempt();
        if (result) {
          settled = true;
          resolve(result.value);
        } else if (this.#closedWith) {
          settled = true;
          reject(
            new Error(`socket closed (${this.#closedWith.code} ${this.#closedWith.reason}) before ${what}`),
          );
        }
      };
    });
    this.#waiters.add(check);
    check();
    return withTimeout(found, timeoutMs, { what })
      .catch((error) => {
        throw error instanceof TimeoutError ? new Error(`${error.message}; ${progress()}`) : error;
      })
      .finally(() => {
        settled = true;
        this.#waiters.delete(check);
      });
  }

  #describeQueue(): string {
    const text = JSON.stringify(this.#queue.slice(-5));
    return `${this.#queue.length} frame(s)${this.#queue.length > 0 ? `, last: ${text.slice(0, 600)}` : ""}`;
  }
}

/** The HTTP answer to an upgrade request. */
export interface UpgradeAnswer {
  status: number;
  headers: Headers;
  body: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends a WebSocket upgrade request over raw TCP and reads the HTTP answer (for refusals). */
export async function rawUpgrade(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<UpgradeAnswer> {
  const conn = await openRawUpgrade(baseUrl, headers);
  try {
    return await withTimeout(readHttpAnswer(conn.tcp, conn.buffered), 10_000, { what: "the upgrade answer" });
  } finally {
    conn.tcp.close();
  }
}

async function openRawUpgrade(baseUrl: string, headers: Record<string, string>) {
  const url = new URL(baseUrl);
  const tcp = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const lines = [
    "GET /ws/chat HTTP/1.1",
    `Host: ${url.host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  await writeAll(tcp, encoder.encode(`${lines.join("\r\n")}\r\n\r\n`));
  return { tcp, buffered: new Uint8Array(0) };
}

/** Reads status line, headers and (by content-length) body; returns leftover bytes too. */
async function readHttpAnswer(
  tcp: Deno.TcpConn,
  initial: Uint8Array,
): Promise<UpgradeAnswer & { rest: Uint8Array }> {
  let data = initial;
  const chunk = new Uint8Array(16 * 1024);
  const read = async () => {
    const n = await tcp.read(chunk);
    if (n === null) throw new Error("connection closed during the HTTP answer");
    data = concat(data, chunk.subarray(0, n));
  };
  let end = -1;
  while ((end = indexOf(data, encoder.encode("\r\n\r\n"))) === -1) await read();
  const head = decoder.decode(data.subarray(0, end)).split("\r\n");
  const status = Number(head[0]!.split(" ")[1]);
  const headers = new Headers();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const length = status === 101 ? 0 : Number(headers.get("content-length") ?? "0");
  while (data.length < end + 4 + length) await read();
  const body = decoder.decode(data.subarray(end + 4, end + 4 + length));
  return { status, headers, body, rest: data.subarray(end + 4 + length) };
}

/** A decoded frame of the raw client. */
export interface RawFrame {
  opcode: number;
  payload: Uint8Array;
}

/**
 * A WebSocket client over bare TCP that reads only when told to: `pause` simply stops reading, so
 * the server's data piles up in the kernel buffers and then in the server's send buffer.
 */
export class RawWsClient {
  /** The headers of the server's 101 answer. */
  readonly headers: Headers;
  readonly #tcp: Deno.TcpConn;
  #data: Uint8Array;
  #chunk = new Uint8Array(64 * 1024);

  private constructor(tcp: Deno.TcpConn, rest: Uint8Array, headers: Headers) {
    this.#tcp = tcp;
    this.#data = rest;
    this.headers = headers;
  }

  /** Completes the handshake (throws unless the answer is 101). Nothing is read afterwards until asked. */
  static async connect(baseUrl: string, headers: Record<string, string> = {}): Promise<RawWsClient> {
    const conn = await openRawUpgrade(baseUrl, headers);
    const answer = await withTimeout(readHttpAnswer(conn.tcp, conn.buffered), 10_000, {
      what: "the upgrade answer",
    });
    if (answer.status !== 101) {
      conn.tcp.close();
      throw new Error(`upgrade refused with ${answer.status}: ${answer.body}`);
    }
    return new RawWsClient(conn.tcp, answer.rest, answer.headers);
  }

  /** Sends a masked text frame. */
  async sendText(text: string): Promise<void> {
    const payload = encoder.encode(text);
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const header = payload.length < 126
      ? new Uint8Array([0x81, 0x80 | payload.length])
      : payload.length < 65536
      ? new Uint8Array([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255])
      : (() => {
        const h = new Uint8Array(10);
        h[0] = 0x81;
        h[1] = 0x80 | 127;
        new DataView(h.buffer).setBigUint64(2, BigInt(payload.length));
        return h;
      })();
    const masked = payload.map((byte, i) => byte ^ mask[i % 4]!);
    await writeAll(this.#tcp, concat(concat(header, mask), masked));
  }

  /** Reads the next frame (waiting up to `timeoutMs`); `null` when the connection ended. */
  async readFrame(timeoutMs = 10_000): Promise<RawFrame | null> {
    return await withTimeout(this.#readFrame(), timeoutMs, { what: "a raw frame" });
  }

  /** Reads frames until the close frame; returns its code and how many text frames came before. */
  async readUntilClose(timeoutMs = 30_000): Promise<{ code: number | undefined; textFrames: number }> {
    const deadline = Date.now() + timeoutMs;
    let textFrames = 0;
    for (;;) {
      const frame = await this.readFrame(Math.max(1, deadline - Date.now()));
      if (frame === null) return { code: undefined, textFrames };
      if (frame.opcode === 1) textFrames++;
      if (frame.opcode === 8) {
        const code = frame.payload.length >= 2 ? (frame.payload[0]! << 8) | frame.payload[1]! : undefined;
        return { code, textFrames };
      }
    }
  }

  close(): void {
    try {
      this.#tcp.close();
    } catch { /* closed already */ }
  }

  async #readFrame(): Promise<RawFrame | null> {
    for (;;) {
      const frame = this.#parse();
      if (frame) return frame;
      const n = await this.#tcp.read(this.#chunk);
      if (n === null) return null;
      this.#data = concat(this.#data, this.#chunk.subarray(0, n));
    }
  }

  /** Takes one complete frame off the buffer, if there is one. */
  #parse(): RawFrame | null {
    const d = this.#data;
    if (d.length < 2) return null;
    let length = d[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (d.length < 4) return null;
      length = (d[2]! << 8) | d[3]!;
      offset = 4;
    } else if (length === 127) {
      if (d.length < 10) return null;
      length = Number(new DataView(d.buffer, d.byteOffset + 2, 8).getBigUint64(0));
      offset = 10;
    }
    if (d.length < offset + length) return null;
    const frame = { opcode: d[0]! & 0x0f, payload: d.slice(offset, offset + length) };
    this.#data = d.slice(offset + length);
    return frame;
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) written += await conn.write(bytes.subarray(written));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
