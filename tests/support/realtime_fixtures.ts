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
import { newPostgresDatabaseUrl, testPostgresUrl } from "./databases.ts";
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
 * CI (like the `[postgres]` half of `dbTest`); no sanitizers, since servers and pools outlive a step.
 */
export const postgresOnly = {
  ignore: !testPostgresUrl() && !Deno.env.get("CI"),
  sanitizeOps: false,
  sanitizeResources: false,
} as const;

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
  return ack.message as StoredMessage;
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

/** Message frames (`message` or `ack`) of `conversationId` among `frames`, in arrival order. */
export function messagesOf(frames: readonly Frame[], conversationId: string): StoredMessage[] {
  return frames
    .filter((f) => f.type === "message" || f.type === "ack")
    .map((f) => f.message as StoredMessage)
    .filter((m) => m.conversationId === conversationId);
}

/**
 * Waits until `client` received `count` message/ack frames of the conversation and returns them in
 * arrival order; then checks, with a ping round trip, that nothing more was queued behind them.
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
  client.send({ type: "ping" });
  await client.nextOfType("pong");
  return messagesOf(client.received, conversationId);
}

/** A unique BroadcastChannel name, so tests in one isolate do not hear each other. */
export function uniqueChannel(): string {
  return `preau-test-${crypto.randomUUID()}`;
}
