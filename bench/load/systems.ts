/**
 * The systems under test, each started as its own processes on loopback: Préau as shipped (two `main.ts`
 * instances on one PostgreSQL database, cookie auth, default limits), the bare Deno broadcast server (the
 * limit), the minimal Deno + postgres.js + NOTIFY server (two processes) and Socket.IO with its PostgreSQL
 * adapter (two processes). Also the Préau rows a scenario needs (people, conversations, sessions), made in
 * bulk through `db/bench_world.ts` and signed like the login route signs them.
 */
import postgres from "postgres";
import { type Child, spawnChild } from "./procs.ts";
import type { Database } from "../../db/types.ts";
import { createPostgresDatabase } from "../../db/postgres_adapter.ts";
import { makeEstablishment } from "../../db/factories.ts";
import {
  analyzeBenchWorld,
  countMessages,
  makeBenchConversations,
  makeBenchSessions,
  makeBenchUsers,
} from "../../db/bench_world.ts";
import { signSessionToken, tokenKey } from "../../domain/tokens.ts";
import { SESSION_COOKIE } from "../../server/session.ts";
import type { ClientSpec, SystemName } from "../peers/load_spec.ts";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const PEERS = `${ROOT}bench/peers`;
const DENO = Deno.execPath();
const SECRET = "bench-secret-of-at-least-thirty-two-characters!";

export const SYSTEM_LABELS: Record<SystemName, string> = {
  preau: "Préau",
  bare: "bare Deno (limit)",
  pgnotify: "Deno + PG NOTIFY",
  socketio: "Socket.IO + PG adapter",
};

/** A running system. */
export interface System {
  name: SystemName;
  urls: string[];
  /** The server processes (for CPU and memory). */
  pids: number[];
  /** Messages stored so far; null for the bare server, which stores nothing. */
  stored(): Promise<number | null>;
  stop(): Promise<void>;
}

/** Installs the peers' npm packages into bench/peers/node_modules on first use (never in CI). */
export async function installPeers(): Promise<void> {
  try {
    Deno.statSync(`${PEERS}/node_modules/socket.io-client`);
    Deno.statSync(`${PEERS}/node_modules/@socket.io/postgres-adapter`);
    return;
  } catch { /* not yet */ }
  console.log("bench: installing the reference servers' npm packages into bench/peers/node_modules");
  const out = await new Deno.Command(DENO, { args: ["install", "--quiet"], cwd: PEERS, stdout: "inherit" })
    .output();
  if (!out.success) throw new Error(`installing bench/peers failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** Creates the database `name` on the cluster at `adminUrl`; its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end();
  }
  return adminUrl.replace(/\/[^/]*$/, `/${name}`);
}

async function waitReady(url: string, child: Child): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = await fetch(`${url}/readyz`).then((r) => (r.body?.cancel(), r.status), () => 0);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name}: /readyz never answered 200:\n${child.output().slice(-2000)}`);
}

/** `deno run` flags that make a Deno server collect its garbage on SIGUSR2 (see gc_on_signal.ts). */
const COLLECTABLE = [
  "--v8-flags=--expose-gc",
  `--preload=${new URL("./gc_on_signal.ts", import.meta.url).pathname}`,
];

async function startPeer(
  name: string,
  file: string,
  env: Record<string, string>,
  flags: string[] = [],
): Promise<{ child: Child; url: string }> {
  const args = ["run", "-A", ...flags, "--config", `${PEERS}/deno.json`, `${PEERS}/${file}`];
  const child = spawnChild(name, DENO, args, {
    cwd: PEERS,
    env: { PORT: "0", ...env },
  });
  const match = await child.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return { child, url: match[1]! };
}

function system(
  name: SystemName,
  started: { child: Child; url: string }[],
  stored: () => Promise<number | null>,
  close: () => Promise<void> = async () => {},
): System {
  return {
    name,
    urls: started.map((s) => s.url),
    pids: started.map((s) => s.child.pid),
    stored,
    async stop() {
      await Promise.all(started.map((s) => s.child.stop()));
      await close();
    },
  };
}

/** Starts `name` with its databases on the cluster (`urls` from {@linkcode createDatabase}). */
/** Options of {@linkcode startSystem}. */
export interface StartOptions {
  /** Deno servers collect their garbage on SIGUSR2 (memory measurements only). Default false. */
  collectable?: boolean;
}

export async function startSystem(
  name: SystemName,
  dbUrls: Record<string, string>,
  dataDir: string,
  options: StartOptions = {},
): Promise<System> {
  const gcFlags = options.collectable ? COLLECTABLE : [];
  if (name === "bare") {
    return system(name, [await startPeer("bare", "bare.ts", {}, gcFlags)], () => Promise.resolve(null));
  }
  if (name === "pgnotify" || name === "socketio") {
    const url = dbUrls[name]!;
    const file = name === "pgnotify" ? "pg_notify.ts" : "socketio.ts";
    // One after the other: the first creates the tables.
    const first = await startPeer(`${name}-1`, file, { DATABASE_URL: url });
    const second = await startPeer(`${name}-2`, file, { DATABASE_URL: url });
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const table = name === "pgnotify" ? "peer_messages" : "sio_messages";
    return system(
      name,
      [first, second],
      async () => Number((await sql.unsafe(`SELECT count(*) AS n FROM ${table}`))[0]!.n),
      () => sql.end(),
    );
  }
  const databaseUrl = dbUrls.preau!;
  const start = async (n: number) => {
    // `BENCH_PREAU_INSPECT=9300`: instance n listens for an inspector on port 9300 + n (profiling).
    const inspect = Deno.env.get("BENCH_PREAU_INSPECT");
    const flags = [...(inspect ? [`--inspect=127.0.0.1:${Number(inspect) + n}`] : []), ...gcFlags];
    const child = spawnChild(`preau-${n}`, DENO, ["run", "-A", "--unstable-bundle", ...flags, "main.ts"], {
      cwd: ROOT,
      env: {
        DATABASE_URL: databaseUrl,
        PREAU_SECRET: SECRET,
        PORT: "0",
        HOSTNAME: "127.0.0.1",
        // The load client stands for many households: each socket says its address in X-Forwarded-For,
        // as a load balancer would, so the per-address socket cap (256) applies per simulated address.
        PREAU_TRUSTED_PROXIES: "127.0.0.1",
        PREAU_DATA_DIR: `${dataDir}/preau-${n}`,
        // Digest mails are not what is measured (they wait 10 minutes anyway).
        PREAU_NOTIFY_DELAY_MINUTES: "1440",
      },
    });
    const match = await child.waitFor(/running at (http:\/\/[^\s]+) /);
    const url = match[1]!.replace("localhost", "127.0.0.1");
    await waitReady(url, child);
    return { child, url };
  };
  const first = await start(1); // migrates
  const second = await start(2);
  const db = createPostgresDatabase(databaseUrl, { poolSize: 2 });
  return system(name, [first, second], () => countMessages(db), () => db.close());
}

/** The shape of a scenario: clients, the rooms they follow, who sends where. Rooms are indexes. */
export interface Topology {
  rooms: number;
  /** `listens: false`: a sender that receives nothing (see `ClientSpec.listens`); still a member of `rooms`. */
  clients: { rooms: number[]; counted?: boolean; slow?: boolean; listens?: boolean }[];
  senders: { client: number; room: number }[];
}

/** Room ids and client specs for `topo` on `system` (for Préau: people, conversations and sessions). */
export async function materialize(
  sys: SystemName,
  topo: Topology,
  preauDb: Database | undefined,
  tag: string,
): Promise<{ clients: ClientSpec[]; roomIds: string[]; users?: string[]; establishmentId?: string }> {
  if (sys !== "preau") {
    const roomIds = Array.from({ length: topo.rooms }, (_, r) => `${tag}-${r}`);
    return {
      roomIds,
      clients: topo.clients.map((c) => ({
        rooms: c.rooms.map((r) => roomIds[r]!),
        counted: c.counted,
        slow: c.slow,
        listens: c.listens,
      })),
    };
  }
  const db = preauDb!;
  const school = await makeEstablishment(db);
  const users = await makeBenchUsers(db, {
    establishmentId: school.id,
    count: topo.clients.length,
    role: "teacher",
    tag,
  });
  const groups: string[][] = Array.from({ length: topo.rooms }, () => []);
  topo.clients.forEach((c, i) => c.rooms.forEach((r) => groups[r]!.push(users[i]!)));
  const roomIds = await makeBenchConversations(db, {
    establishmentId: school.id,
    groups,
    title: `Bench ${tag}`,
  });
  const expiresAt = new Date(Math.floor(Date.now() / 1000 + 86_400) * 1000);
  const sessions = await makeBenchSessions(db, users, expiresAt);
  await analyzeBenchWorld(db);
  const key = tokenKey(SECRET);
  const issuedAt = new Date();
  const clients: ClientSpec[] = await Promise.all(topo.clients.map(async (c, i) => ({
    rooms: c.rooms.map((r) => roomIds[r]!),
    counted: c.counted,
    slow: c.slow,
    listens: c.listens,
    cookie: `${SESSION_COOKIE}=${await signSessionToken(key, {
      userId: users[i]!,
      sessionId: sessions[i]!,
      issuedAt,
      expiresAt,
    })}`,
    xff: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  })));
  return { clients, roomIds, users, establishmentId: school.id };
}

/** The session cookie of a fresh session for `userId` (the conversation-list scenario). */
export async function cookieFor(db: Database, userId: string): Promise<string> {
  const expiresAt = new Date(Math.floor(Date.now() / 1000 + 86_400) * 1000);
  const [session] = await makeBenchSessions(db, [userId], expiresAt);
  const token = await signSessionToken(tokenKey(SECRET), {
    userId,
    sessionId: session!,
    issuedAt: new Date(),
    expiresAt,
  });
  return `${SESSION_COOKIE}=${token}`;
}
