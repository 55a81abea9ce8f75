/**
 * The world of the fault tests (and of `deno task soak`, and reusable by `bench/`): a throw-away
 * PostgreSQL cluster of its own (so a test may restart it), two Préau instances started with the
 * README's command on one database, two establishments with conversations of 3–8 staff members,
 * every member signed in (sessions made directly in the database — no Argon2 login) with scripted
 * clients (`fault_clients.ts`) spread over both instances, and the background load: messages at a
 * steady rate plus typing, bounded in count and time, loopback only.
 */
import { makeConversation, makeEstablishment, makeUser } from "../../db/factories.ts";
import { migrate } from "../../db/migrate.ts";
import { openDatabase } from "../../db/open.ts";
import { createSession } from "../../db/sessions.ts";
import type { Database } from "../../db/types.ts";
import type { Role } from "../../db/models.ts";
import { signSessionToken, tokenKey } from "../../domain/tokens.ts";
import { SESSION_COOKIE } from "../../server/session.ts";
import { sleep } from "../../util/timeout.ts";
import { type ClientIdentity, ScriptedClient } from "./fault_clients.ts";
import { PreauInstance } from "./fault_instances.ts";
import { type PostgresCluster, startPostgresCluster } from "./postgres_cluster.ts";
import { TEST_SECRET } from "./server.ts";

/** Options of {@linkcode FaultWorld.create}; defaults are the CI suite's. */
export interface WorldOptions {
  /** Conversations, spread over the establishments. Default 20. */
  conversations?: number;
  /** Establishments. Default 2. */
  establishments?: number;
  /** Members per conversation, inclusive. Default [3, 8]. */
  members?: [number, number];
  /** Sockets (browser tabs) per member, alternating between the instances. Default 2. */
  tabs?: number;
  /** Seed of every random choice (members, load, jitter). Default 15. */
  seed?: number;
}

/** A load conversation and its members. */
export interface WorldConversation {
  id: string;
  establishmentId: string;
  memberIds: string[];
}

/** A signed-in person of the world. */
export interface WorldPerson extends ClientIdentity {
  sessionId: string;
  role: Role;
}

/** Options of {@linkcode FaultWorld.load}. */
export interface LoadOptions {
  /** Messages per second over the whole world. Default 50. */
  messagesPerSecond?: number;
  /** Typing keystrokes per second. Default 20. */
  typingPerSecond?: number;
  /** Stops after this many messages. Default: rate × 600 s. */
  maxMessages?: number;
  /** Stops after this long. Default 600 000 ms. */
  maxMs?: number;
}

/** A running background load; `stop()` ends it and resolves with the number of messages sent. */
export interface Load {
  stop(): Promise<number>;
  readonly sent: number;
}

/** Mulberry32: a small seeded generator, so that a run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prefix of every load message's body: `L|<sent at ms>|…`, read back for delivery times. */
export const LOAD_PREFIX = "L|";

/** See the module documentation. */
export class FaultWorld {
  readonly random: () => number;
  /** Clients taking part in the checks (members' tabs); retired ones leave this list. */
  clients: ScriptedClient[] = [];

  private constructor(
    readonly cluster: PostgresCluster,
    readonly databaseUrl: string,
    /** The harness's own connection (its queries are named `fault-harness`). */
    readonly db: Database,
    readonly instances: [PreauInstance, PreauInstance],
    readonly establishmentIds: string[],
    readonly conversations: WorldConversation[],
    readonly people: Map<string, WorldPerson>,
    readonly tabs: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Builds the world: cluster, schema, people and conversations, both instances, every client. */
  static async create(options: WorldOptions = {}): Promise<FaultWorld> {
    const seed = options.seed ?? 15;
    const random = seededRandom(seed);
    // Commits acknowledged before the WAL is flushed would be lost by an immediate restart: not a
    // fault of Préau's, so this cluster flushes at commit (fsync stays off: the OS does not crash here).
    const cluster = await startPostgresCluster({ settings: { synchronous_commit: "on" } });
    let db: Database | undefined;
    const instances: PreauInstance[] = [];
    try {
      const admin = await openDatabase({ databaseUrl: cluster.url, dataDir: "memory://", poolSize: 1 });
      await admin.query("create database preau_faults");
      await admin.close();
      const databaseUrl = cluster.url.replace(/\/postgres$/, "/preau_faults");
      db = await openDatabase({
        databaseUrl: `${databaseUrl}?application_name=fault-harness`,
        dataDir: "memory://",
        poolSize: 4,
      });
      await migrate(db);
      const establishmentIds: string[] = [];
      for (let e = 0; e < (options.establishments ?? 2); e++) {
        establishmentIds.push((await makeEstablishment(db, { name: `Faults ${e + 1}` })).id);
      }
      const people = new Map<string, WorldPerson>();
      const conversations: WorldConversation[] = [];
      const [low, high] = options.members ?? [3, 8];
      const key = tokenKey(TEST_SECRET);
      for (let c = 0; c < (options.conversations ?? 20); c++) {
        const establishmentId = establishmentIds[c % establishmentIds.length]!;
        const size = low + Math.floor(random() * (high - low + 1));
        const memberIds: string[] = [];
        for (let m = 0; m < size; m++) {
          const person = await makePerson(db, key, establishmentId, m === 0 ? "admin" : "teacher");
          const n = people.size + 1;
          person.address = `10.15.${n >> 8}.${n & 255}`;
          people.set(person.userId, person);
          memberIds.push(person.userId);
        }
        const made = await makeConversation(db, {
          establishmentId,
          members: memberIds,
          title: `Load ${c + 1}`,
        });
        conversations.push({ id: made.id, establishmentId, memberIds });
      }
      // Their own data folder (the mail outbox), not the project's `./data`.
      const dataDir = await Deno.makeTempDir({ prefix: "preau-faults-" });
      // The harness's clients play the load balancer's part too (`X-Forwarded-For`, see fault_clients.ts).
      const env = {
        DATABASE_URL: databaseUrl,
        PREAU_SECRET: TEST_SECRET,
        PREAU_DATA_DIR: dataDir,
        PREAU_TRUSTED_PROXIES: "127.0.0.1",
      };
      instances.push(new PreauInstance({ name: "A", env }), new PreauInstance({ name: "B", env }));
      await Promise.all(instances.map((i) => i.start()));
      const world = new FaultWorld(
        cluster,
        databaseUrl,
        db,
        instances as [PreauInstance, PreauInstance],
        establishmentIds,
        conversations,
        people,
        options.tabs ?? 2,
        seed,
      );
      await world.connectAll();
      return world;
    } catch (error) {
      await Promise.all(instances.map((i) => i.kill()));
      await db?.close().catch(() => {});
      await cluster.stop();
      throw error;
    }
  }

  /** The instances' URLs, in order. */
  get urls(): string[] {
    return this.instances.map((i) => i.url);
  }

  /** Opens `tabs` clients per member (tab t of member m starts on instance (m + t) mod 2) and waits for their hello. */
  async connectAll(): Promise<void> {
    const members = [...this.people.values()];
    const opened: ScriptedClient[] = [];
    // A few at a time: each one lists and loads its conversations first, like a page load.
    for (let i = 0; i < members.length; i += 16) {
      opened.push(
        ...await Promise.all(
          members.slice(i, i + 16).flatMap((person, k) =>
            Array.from({ length: this.tabs }, (_, t) => this.openClient(person, (i + k + t) % 2))
          ),
        ),
      );
    }
    this.clients.push(...opened);
    await this.waitFor(() => opened.every((c) => c.hellos > 0), 30_000, "every client's first hello");
  }

  /**
   * Sends every client whose socket is not on its first instance back there (a tab reloaded once
   * its instance is back), so that each scenario starts with the sockets spread over both.
   */
  async rebalance(): Promise<string[]> {
    const notes: string[] = [];
    const home = async () => {
      const moved = this.clients.filter((c) => c.instance !== c.home);
      for (const client of moved) client.reconnectHome();
      await this.waitFor(
        () => this.clients.every((c) => c.instance === c.home),
        20_000,
        `${moved.length} client(s) back on their own instance`,
      );
    };
    try {
      await home();
    } catch (error) {
      // An instance the previous scenario left unable to serve is restarted, so that one fault's
      // damage does not fail every later scenario too; the note says so.
      const unreached = new Set(this.clients.filter((c) => c.instance !== c.home).map((c) => c.home));
      for (const instance of this.instances) {
        if (!unreached.has(instance.url)) continue;
        const ready = await instance.ready();
        notes.push(
          `instance ${instance.name} was restarted before this scenario: its clients could not reach it ` +
            `(/readyz ${ready ? "200" : "not 200"}; ${error instanceof Error ? error.message : error})`,
        );
        await instance.kill();
        await instance.start();
      }
      await home();
    }
    return notes;
  }

  /** A client for `person` whose first socket goes to instance `first`. */
  openClient(person: WorldPerson, first: number): Promise<ScriptedClient> {
    const urls = this.urls;
    return ScriptedClient.open({
      identity: person,
      instances: [...urls.slice(first), ...urls.slice(0, first)],
      random: this.random,
    });
  }

  /** The clients of a person. */
  clientsOf(userId: string): ScriptedClient[] {
    return this.clients.filter((c) => c.identity.userId === userId);
  }

  /** Stops a person's clients and leaves them out of later checks (their session or membership ended). */
  retire(userId: string): void {
    for (const client of this.clientsOf(userId)) client.stop();
    this.clients = this.clients.filter((c) => c.identity.userId !== userId);
    for (const conversation of this.conversations) {
      conversation.memberIds = conversation.memberIds.filter((id) => id !== userId);
    }
  }

  /**
   * Starts the background load: `messagesPerSecond` messages from random members in their
   * conversations (each body `L|<ms>|n`) and typing keystrokes, until stopped or a bound is met.
   */
  load(options: LoadOptions = {}): Load {
    const rate = options.messagesPerSecond ?? 50;
    const typingRate = options.typingPerSecond ?? 20;
    const maxMessages = options.maxMessages ?? rate * 600;
    const maxMs = options.maxMs ?? 600_000;
    const started = Date.now();
    let sent = 0;
    let typed = 0;
    let stopped = false;
    const loop = (async () => {
      while (!stopped && sent < maxMessages && Date.now() - started < maxMs) {
        const elapsed = (Date.now() - started) / 1000;
        while (sent < Math.min(maxMessages, rate * elapsed)) {
          this.sendOne(`${LOAD_PREFIX}${Date.now()}|${sent++}`);
        }
        while (typed < typingRate * elapsed) {
          typed++;
          const [client, conversationId] = this.pick();
          client.type(conversationId);
        }
        await sleep(10);
      }
    })();
    return {
      get sent() {
        return sent;
      },
      stop: async () => {
        stopped = true;
        await loop;
        return sent;
      },
    };
  }

  /** Sends one message from a random member (first tab) into one of their conversations. */
  sendOne(body: string): { client: ScriptedClient; conversationId: string; clientId: string } {
    const [client, conversationId] = this.pick();
    return { client, conversationId, clientId: client.send(conversationId, body) };
  }

  /** A random conversation and one of its members' clients. */
  pick(): [ScriptedClient, string] {
    for (;;) {
      const conversation = this.conversations[Math.floor(this.random() * this.conversations.length)]!;
      const memberId = conversation.memberIds[Math.floor(this.random() * conversation.memberIds.length)];
      const tabs = memberId === undefined ? [] : this.clientsOf(memberId);
      const client = tabs[Math.floor(this.random() * tabs.length)];
      if (client) return [client, conversation.id];
    }
  }

  /** Polls `done` every 50 ms until it holds; throws after `ms`, naming `what`. */
  async waitFor(done: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await sleep(50);
    }
  }

  /** A harness query that outlives a database restart: retried for up to `ms`. */
  async query<T>(sql: string, params: unknown[] = [], ms = 30_000): Promise<T[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        return await this.db.query<T>(sql, params);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }

  /** Stops every client, both instances, the harness's connection and the cluster. */
  async close(): Promise<void> {
    for (const client of this.clients) client.stop();
    await Promise.all(this.instances.map((i) => i.stop(10_000)));
    await this.db.close().catch(() => {});
    await this.cluster.stop();
  }
}

/** A member of `establishmentId` with a session and its cookie (no password: no Argon2 work). */
export async function makePerson(
  db: Database,
  key: Uint8Array,
  establishmentId: string,
  role: Role,
): Promise<WorldPerson> {
  const user = await makeUser(db, { establishmentId, role });
  const expiresAt = new Date(Math.floor(Date.now() / 1000 + 86_400) * 1000);
  const session = await createSession(db, { userId: user.id, expiresAt });
  const token = await signSessionToken(key, {
    userId: user.id,
    sessionId: session.id,
    issuedAt: new Date(),
    expiresAt,
  });
  return {
    userId: user.id,
    name: user.name,
    cookie: `${SESSION_COOKIE}=${token}`,
    establishmentIds: [establishmentId],
    sessionId: session.id,
    role,
  };
}
