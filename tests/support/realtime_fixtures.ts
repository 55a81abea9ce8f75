/**
 * Shared setup of the realtime tests: a school with people who can log in, a conversation, clients
 * that connect and read their `hello`, and several Préau instances on one PostgreSQL database —
 * each with its OWN connection pool and LISTEN connection, linked only by the tiers a test selects.
 */
import type { WireMessage } from "../../client/types.ts";
import type { Database } from "../../db/types.ts";
import type { Establishment, Role, User } from "../../db/models.ts";
import { type MadeConversation, makeConversation, makeEstablishment } from "../../db/factories.ts";
import { migrate } from "../../db/migrate.ts";
import { openDatabase } from "../../db/open.ts";
import type { RealtimeOptions } from "../../realtime/options.ts";
import { newPostgresDatabaseUrl, sanitized, testPostgresUrl } from "./databases.ts";
import {
  loginCookie,
  makeLoginUser,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "./server.ts";
import { type Frame, WsClient, type WsConnectOptions } from "./ws_client.ts";

/** A person of the test school with a session cookie. */
export interface Person {
  user: User;
  cookie: string;
}

/**
 * `Deno.test` options of the tests that need a real PostgreSQL server: ignored without one, except on
 * CI (like the `[postgres]` half of `dbTest`), with the sanitizers of `sanitized` (read when spread,
 * i.e. when the test is registered).
 */
export const postgresOnly = {
  get ignore(): boolean {
    return !testPostgresUrl() && !Deno.env.get("CI");
  },
  get sanitizeOps(): boolean {
    return sanitized().sanitizeOps;
  },
  get sanitizeResources(): boolean {
    return sanitized().sanitizeResources;
  },
};

/** Realtime options that link instances through PostgreSQL alone (BroadcastChannel left out). */
export const POSTGRES_TIERS: RealtimeOptions = { tiers: ["local", "postgres"] };

/** One {@linkcode Person} per role of `R`, as a tuple when the roles are written out. */
export type People<R extends readonly Role[]> = { -readonly [K in keyof R]: Person };

/** Creates people with `roles` in a new establishment, logged in through `server`. */
export async function school<const R extends readonly Role[]>(
  db: Database,
  server: TestServer,
  roles: R,
): Promise<{ establishment: Establishment; people: People<R> }> {
  const establishment = await makeEstablishment(db);
  const people: Person[] = [];
  for (const role of roles) {
    const user = await makeLoginUser(db, { establishmentId: establishment.id, role });
    people.push({ user, cookie: await loginCookie(server.url, user.email) });
  }
  return { establishment, people: people as People<R> };
}

/** A conversation between `people` (the first creates it). */
export async function conversation(
  db: Database,
  establishmentId: string,
  people: readonly Person[],
): Promise<MadeConversation> {
  return await makeConversation(db, { establishmentId, members: people.map((p) => p.user.id) });
}

/**
 * The common scene of realtime tests: a new school with people of `roles` (logged in through
 * `server`) and one conversation between all of them, e.g. `["teacher", "parent"]`.
 */
export async function schoolWithChat<const R extends readonly Role[]>(
  db: Database,
  server: TestServer,
  roles: R,
): Promise<{ establishment: Establishment; people: People<R>; chat: MadeConversation }> {
  const { establishment, people } = await school(db, server, roles);
  const chat = await conversation(db, establishment.id, people);
  return { establishment, people, chat };
}

/** A connected client and the `hello` frame it was greeted with. */
export interface Connected {
  client: WsClient;
  hello: Frame;
}

/** Connects `person` to `server` and returns the client with its `hello` frame taken. */
export async function connect(
  server: TestServer,
  person: Person,
  options: WsConnectOptions = {},
): Promise<Connected> {
  const client = await WsClient.connect(server.url, { cookie: person.cookie, ...options });
  const hello = await client.nextOfType("hello");
  return { client, hello };
}

/** Sends a message and waits for its ack; returns the stored message. */
export async function sendAndAck(
  client: WsClient,
  conversationId: string,
  body: string,
  clientId: string = crypto.randomUUID(),
): Promise<StoredMessage> {
  client.send({ type: "send", clientId, conversationId, body });
  const ack = await client.next(
    (f) => (f.type === "ack" || f.type === "error") && f.clientId === clientId,
    10_000,
    `the ack of ${clientId}`,
  );
  if (ack.type !== "ack") throw new Error(`send ${clientId} refused: ${JSON.stringify(ack)}`);
  return withoutClientId(ack.message as StoredMessage);
}

/**
 * The message as every member sees it: the sender alone also gets its `clientId`, so comparisons
 * across members leave it out.
 */
export function withoutClientId({ clientId: _, ...message }: StoredMessage): StoredMessage {
  return message;
}

/** A message as it appears in frames (the wire type the browser uses). */
export type StoredMessage = WireMessage;

/** `N` test servers: a tuple for one or two, so `const [a, b] = cluster.servers` needs no `!`. */
export type Servers<N extends number> = N extends 1 ? [TestServer]
  : N extends 2 ? [TestServer, TestServer]
  : TestServer[];

/** Several instances on one fresh PostgreSQL database. */
export interface Cluster<N extends number = number> {
  /** A handle of the test's own for setup and assertions. */
  db: Database;
  url: string;
  servers: Servers<N>;
  close(): Promise<void>;
}

/**
 * Starts `count` instances on a new, migrated PostgreSQL database, each on its own `Database`
 * handle (own pool, own LISTEN connection), with `options` (e.g. the tiers to link them).
 */
export async function postgresCluster<const N extends number>(
  count: N,
  options: RealtimeOptions,
  serverOptions: Omit<TestServerOptions, "realtime"> = {},
): Promise<Cluster<N>> {
  const url = await newPostgresDatabaseUrl();
  const db = await openDatabase({ databaseUrl: url, dataDir: "memory://", poolSize: 4 });
  await migrate(db);
  const handles: Database[] = [];
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    const handle = await openDatabase({ databaseUrl: url, dataDir: "memory://", poolSize: 6 });
    handles.push(handle);
    servers.push(await startTestServer(handle, { ...serverOptions, realtime: options }));
  }
  return {
    db,
    url,
    servers: servers as Servers<N>,
    async close() {
      await Promise.all(servers.map((server) => server.close()));
      await Promise.all(handles.map((handle) => handle.close()));
      await db.close();
    },
  };
}

/** Runs `fn` on a {@linkcode postgresCluster} and closes the cluster afterwards, also when `fn` throws. */
export async function withCluster<const N extends number>(
  count: N,
  options: RealtimeOptions,
  fn: (cluster: Cluster<N>) => Promise<void>,
  serverOptions: Omit<TestServerOptions, "realtime"> = {},
): Promise<void> {
  const cluster = await postgresCluster(count, options, serverOptions);
  try {
    await fn(cluster);
  } finally {
    await cluster.close();
  }
}

/**
 * Registers the test `name` (give it its `[postgres]` suffix) run by {@linkcode withCluster} with
 * `instances` Préau instances linked by `realtime` ({@linkcode POSTGRES_TIERS} for PostgreSQL alone),
 * under the {@linkcode postgresOnly} options.
 */
export function clusterTest<const N extends number>(
  name: string,
  setup: { instances: N; realtime: RealtimeOptions; sessions?: TestServerOptions["sessions"] },
  fn: (cluster: Cluster<N>) => Promise<void>,
): void {
  Deno.test({
    name,
    ...postgresOnly,
    fn: () => withCluster(setup.instances, setup.realtime, fn, { sessions: setup.sessions }),
  });
}

/** Ids of the marker messages sent by {@linkcode settled}, which {@linkcode messagesOf} leaves out. */
const markers = new Set<string>();

/** Message frames (`message` or `ack`) of `conversationId` among `frames`, in arrival order, markers left out. */
export function messagesOf(frames: readonly Frame[], conversationId: string): StoredMessage[] {
  return allMessagesOf(frames, conversationId).filter((m) => !markers.has(m.id));
}

function allMessagesOf(frames: readonly Frame[], conversationId: string): StoredMessage[] {
  return frames
    .filter((f) => f.type === "message" || f.type === "ack")
    .map((f) => withoutClientId(f.message as StoredMessage))
    .filter((m) => m.conversationId === conversationId);
}

/**
 * Waits until `client` received `count` message/ack frames of the conversation and returns them in
 * arrival order. It says nothing of what may still be on its way: "once" needs {@linkcode settled}.
 */
export async function collect(
  client: WsClient,
  conversationId: string,
  count: number,
  timeoutMs = 30_000,
): Promise<StoredMessage[]> {
  await client.until(
    (received) => messagesOf(received, conversationId).length >= count,
    timeoutMs,
    `${count} messages of ${conversationId}`,
  );
  return messagesOf(client.received, conversationId);
}

/**
 * What sends a marker: a client (through {@linkcode sendAndAck}), or a function that sends a message
 * with `body` through some other socket and resolves with it once acked.
 */
export type MarkerSender = WsClient | ((conversationId: string, body: string) => Promise<StoredMessage>);

/** Sends one marker through each of `via`, in turn; returns their ids (see {@linkcode settled}). */
export async function sendMarkers(conversationId: string, via: readonly MarkerSender[]): Promise<string[]> {
  const ids: string[] = [];
  for (const sender of via) {
    const body = `marker ${crypto.randomUUID()}`;
    const marker = sender instanceof WsClient
      ? await sendAndAck(sender, conversationId, body)
      : await sender(conversationId, body);
    markers.add(marker.id);
    ids.push(marker.id);
  }
  return ids;
}

/** Whether `frames` hold every marker of `ids` (as `message` or `ack`). */
export function hasMarkers(
  frames: readonly Frame[],
  conversationId: string,
  ids: readonly string[],
): boolean {
  const seen = new Set(allMessagesOf(frames, conversationId).map((m) => m.id));
  return ids.every((id) => seen.has(id));
}

/** The conversation's messages among `frames` before the last of the markers `ids`, markers left out. */
export function beforeMarkers(
  frames: readonly Frame[],
  conversationId: string,
  ids: readonly string[],
): StoredMessage[] {
  const all = allMessagesOf(frames, conversationId);
  const last = Math.max(...ids.map((id) => all.findIndex((m) => m.id === id)));
  return all.slice(0, last).filter((m) => !markers.has(m.id));
}

/**
 * The proof of "once": each of `via` sends one more message, a marker, after the ones under test,
 * and every receiver waits until it got all the markers. A conversation's messages reach a socket
 * through one road (the sending instance's NOTIFY, then the receiving instance's ordered stream), so
 * a duplicate or stray copy of an earlier message would have arrived before the marker that followed
 * it there. A ping proves nothing of the kind: it never leaves the receiving instance. Give `via` a
 * sender on every instance whose road is under test (messages sent on instance A reach a socket on A
 * locally, and on B through PostgreSQL).
 *
 * Returns, per receiver, the conversation's messages it received before its last marker (message or
 * ack frames, in arrival order), markers left out. Markers never count as messages afterwards.
 */
export async function settled(
  conversationId: string,
  via: readonly MarkerSender[],
  receivers: readonly WsClient[],
  timeoutMs = 30_000,
): Promise<StoredMessage[][]> {
  const ids = await sendMarkers(conversationId, via);
  return await Promise.all(receivers.map(async (client) => {
    await client.until(
      (received) => hasMarkers(received, conversationId, ids),
      timeoutMs,
      `the ${ids.length} marker(s) of ${conversationId}`,
    );
    return beforeMarkers(client.received, conversationId, ids);
  }));
}

/** A unique BroadcastChannel name, so tests in one isolate do not hear each other. */
export function uniqueChannel(): string {
  return `preau-test-${crypto.randomUUID()}`;
}
