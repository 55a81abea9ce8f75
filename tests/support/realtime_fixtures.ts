/**
 * Shared setup of the realtime tests: a school with people who can log in, a conversation, clients
 * that connect and read their `hello`, and several Préau instances on one PostgreSQL database —
 * each with its OWN connection pool and LISTEN connection, linked only by the tiers a test selects.
 */
import type { Database } from "../../db/types.ts";
import type { Role, User } from "../../db/models.ts";
import { makeConversation, makeEstablishment } from "../../db/factories.ts";
import { migrate } from "../../db/migrate.ts";
import { openDatabase } from "../../db/open.ts";
import type { RealtimeOptions } from "../../realtime/options.ts";
import { newPostgresDatabaseUrl } from "./databases.ts";
import { loginCookie, makeLoginUser, startTestServer, type TestServer } from "./server.ts";
import { type Frame, WsClient, type WsConnectOptions } from "./ws_client.ts";

/** A person of the test school with a session cookie. */
export interface Person {
  user: User;
  cookie: string;
}

/** Creates people with `roles` in a new establishment, logged in through `server`. */
export async function school(db: Database, server: TestServer, roles: readonly Role[]) {
  const establishment = await makeEstablishment(db);
  const people: Person[] = [];
  for (const role of roles) {
    const user = await makeLoginUser(db, { establishmentId: establishment.id, role });
    people.push({ user, cookie: await loginCookie(server.url, user.email) });
  }
  return { establishment, people };
}

/** A conversation between `people` (the first creates it). */
export async function conversation(db: Database, establishmentId: string, people: readonly Person[]) {
  return await makeConversation(db, { establishmentId, members: people.map((p) => p.user.id) });
}

/** Connects `person` to `server` and returns the client with its `hello` frame taken. */
export async function connect(
  server: TestServer,
  person: Person,
  options: WsConnectOptions = {},
): Promise<{ client: WsClient; hello: Frame }> {
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

/** A message as it appears in frames. */
export interface StoredMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  senderName: string;
  body: string;
  createdAt: string;
}

/** Several instances on one fresh PostgreSQL database. */
export interface Cluster {
  /** A handle of the test's own for setup and assertions. */
  db: Database;
  url: string;
  servers: TestServer[];
  close(): Promise<void>;
}

/**
 * Starts `count` instances on a new, migrated PostgreSQL database, each on its own `Database`
 * handle (own pool, own LISTEN connection), with `options` (e.g. the tiers to link them).
 */
export async function postgresCluster(count: number, options: RealtimeOptions): Promise<Cluster> {
  const url = await newPostgresDatabaseUrl();
  const db = await openDatabase({ databaseUrl: url, dataDir: "memory://", poolSize: 4 });
  await migrate(db);
  const handles: Database[] = [];
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    const handle = await openDatabase({ databaseUrl: url, dataDir: "memory://", poolSize: 6 });
    handles.push(handle);
    servers.push(await startTestServer(handle, { realtime: options }));
  }
  return {
    db,
    url,
    servers,
    async close() {
      await Promise.all(servers.map((server) => server.close()));
      await Promise.all(handles.map((handle) => handle.close()));
      await db.close();
    },
  };
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
