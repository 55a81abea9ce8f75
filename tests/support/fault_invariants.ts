/**
 * The invariant checker of the fault tests, run after every scenario once the clients have
 * resynced. It compares what every client saw (each socket's frames, each store's messages) with
 * what the database holds, Jepsen-style:
 *
 * - every acknowledged message is stored exactly once (its id, with its `clientId`); every
 *   `clientId` of a sender maps to one row; every send eventually confirmed (nothing left in an outbox);
 * - each conversation's `seq` is gapless (1…last_seq, and `last_seq` agrees);
 * - each member's messages (live and resync, as the store holds them) equal the database's since the
 *   window began, in seq order; on each socket no message frame came twice or out of seq order;
 * - no frame reached a non-member or a person of another establishment (nor, after the cut, a person
 *   whose session or membership ended);
 * - no 5xx, no `internal` error frame, no unhandled error or stack trace in any server log;
 * - sockets and database connections back to their baseline (each running instance LISTENs again);
 *
 * and it measures delivery times (from the `L|<ms>|` bodies of the load) before and after the fault.
 * "Live delivery resumes" is {@linkcode probeDelivery}, run by each scenario after its fault.
 */
import type { WireMessage } from "../../client/types.ts";
import { sleep } from "../../util/timeout.ts";
import type { ScriptedClient } from "./fault_clients.ts";
import { establishedConnections } from "./fault_instances.ts";
import { type FaultWorld, LOAD_PREFIX } from "./fault_world.ts";

/** Where a scenario's observation starts: what each log and table held then. */
export interface Window {
  startedAt: number;
  /** conversation id → last_seq at the start. */
  baseline: Map<string, number>;
  /** Per client, how many frames it had logged. */
  frameOffsets: Map<ScriptedClient, number>;
  /** Per instance, how much log it had printed. */
  logOffsets: number[];
  /** Server-side established TCP connections on the instances' ports at the start (with load). */
  sockets: number;
  /** user id → the conversations they may hear of. */
  allowed: Map<string, Set<string>>;
}

/** A person whose access ended during the window: nothing of `conversationIds` after `cut` may reach them. */
export interface Cut {
  userId: string;
  /** When the access ended (the REST call answered). */
  at: number;
  /** conversation id → last_seq when the access ended. */
  lastSeq: Map<string, number>;
}

/** The figures of one scenario run (one row of docs/reliability.md). */
export interface Figures {
  /** Messages acknowledged to their sender during the window. */
  acked: number;
  /** Acknowledged but not stored, or missing from a member's view. */
  lost: number;
  /** Stored twice (one clientId, two rows) or received twice on one socket. */
  duplicated: number;
  /** Received on a socket after a higher seq of the same conversation. */
  misordered: number;
  /** Frames that reached someone not allowed to read them. */
  leaked: number;
  /** From the end of the fault until a message sent afterwards reached every member. */
  recoveryMs: number;
  /** Delivery time percentiles (ms) of load messages sent before the fault and after recovery. */
  before: { p50: number; p99: number; count: number };
  after: { p50: number; p99: number; count: number };
}

/** What the checker found: figures, and every broken invariant in words. */
export interface Verdict {
  figures: Figures;
  violations: string[];
}

/** Marks the start of a scenario's observation. */
export async function beginWindow(world: FaultWorld): Promise<Window> {
  const baseline = await lastSeqs(world);
  const allowed = new Map<string, Set<string>>();
  for (const conversation of world.conversations) {
    for (const id of conversation.memberIds) {
      if (!allowed.has(id)) allowed.set(id, new Set());
      allowed.get(id)!.add(conversation.id);
    }
  }
  return {
    startedAt: Date.now(),
    baseline,
    frameOffsets: new Map(world.clients.map((c) => [c, c.frames.length])),
    logOffsets: world.instances.map((i) => i.log.length),
    sockets: establishedConnections(world.instances.map((i) => i.port)),
    allowed,
  };
}

/** conversation id → last_seq of the world's conversations. */
export async function lastSeqs(world: FaultWorld): Promise<Map<string, number>> {
  const rows = await world.query<{ id: string; last_seq: number }>(
    "select id, last_seq::int as last_seq from conversations where id = any($1::uuid[])",
    [world.conversations.map((c) => c.id)],
  );
  return new Map(rows.map((r) => [r.id, r.last_seq]));
}

/**
 * "Live delivery resumes": sends a probe in every conversation from a connected member (again
 * every 2 s for those not yet through) until one probe per conversation reached every member's
 * every tab; resolves with the time that took, or throws after `ms`.
 */
export async function probeDelivery(world: FaultWorld, ms = 30_000): Promise<number> {
  const started = Date.now();
  const probes = new Map<string, Set<string>>(world.conversations.map((c) => [c.id, new Set()]));
  const through = (conversationId: string) => {
    const bodies = probes.get(conversationId)!;
    const conversation = world.conversations.find((c) => c.id === conversationId)!;
    return conversation.memberIds.every((id) =>
      world.clientsOf(id).every((client) => {
        // Probes are the newest messages: look from the end, no further back than the probing began.
        const held = client.held(conversationId);
        for (let i = held.length - 1; i >= 0 && Date.parse(held[i]!.createdAt) >= started - 1000; i--) {
          if (bodies.has(held[i]!.body)) return true;
        }
        return false;
      })
    );
  };
  let lastRound = -Infinity;
  for (;;) {
    const pending = world.conversations.filter((c) => !through(c.id));
    if (pending.length === 0) return Date.now() - started;
    if (Date.now() - started > ms) {
      throw new Error(
        `live delivery did not resume within ${ms} ms: ${pending.length} conversation(s) still waiting ` +
          `for a probe to reach every member (${describeClients(world)})`,
      );
    }
    if (Date.now() - lastRound >= 2000) {
      lastRound = Date.now();
      for (const conversation of pending) {
        const tabs = conversation.memberIds.flatMap((id) => world.clientsOf(id));
        const sender = tabs.find((c) => c.instance !== undefined) ?? tabs[0];
        if (!sender) continue;
        const body = `P|${Date.now()}|${crypto.randomUUID()}`;
        probes.get(conversation.id)!.add(body);
        sender.send(conversation.id, body);
      }
    }
    await sleep(100);
  }
}

function describeClients(world: FaultWorld): string {
  const connected = world.clients.filter((c) => c.instance !== undefined).length;
  return `${connected} of ${world.clients.length} clients connected`;
}

/** Options of {@linkcode check}. */
export interface CheckOptions {
  /** When the fault began (delivery before it counts as "before"). */
  faultAt: number;
  /** When live delivery had resumed (delivery after it counts as "after"). */
  recoveredAt: number;
  recoveryMs: number;
  /** People whose access ended during the window. */
  cuts?: Cut[];
  /** How long clients get to empty their outboxes and catch up. Default 20 000 ms. */
  settleMs?: number;
  /** Extra server-side connections tolerated over one per client (REST calls in flight). Default 8. */
  socketSlack?: number;
}

/** Runs every check of the module documentation over the window (the load must be stopped). */
export async function check(world: FaultWorld, window: Window, options: CheckOptions): Promise<Verdict> {
  const violations: string[] = [];
  const settleMs = options.settleMs ?? 20_000;
  const clients = world.clients;

  // 1. Clients settle: every send confirmed, every store caught up with the database.
  const unconfirmed = (await settle(world, settleMs)).filter((u) => u.sentAt >= window.startedAt);
  const finalSeqs = await lastSeqs(world);
  const behind = clients.filter((client) => !caughtUp(world, client, finalSeqs));
  if (behind.length > 0) {
    violations.push(
      `${behind.length} client(s) still behind the database ${settleMs} ms after the load stopped ` +
        `(e.g. ${behind.slice(0, 3).map((c) => c.identity.name).join(", ")})`,
    );
  }

  // 2. The database: gapless seqs, one row per clientId.
  const rows = await world.query<
    { id: string; conversation_id: string; seq: number; sender_id: string; client_id: string; body: string }
  >(
    `select id, conversation_id, seq::int as seq, sender_id, client_id, body from messages
     where conversation_id = any($1::uuid[]) order by conversation_id, seq`,
    [world.conversations.map((c) => c.id)],
  );
  const byConversation = new Map<string, typeof rows>();
  for (const row of rows) {
    if (!byConversation.has(row.conversation_id)) byConversation.set(row.conversation_id, []);
    byConversation.get(row.conversation_id)!.push(row);
  }
  let duplicated = 0;
  for (const conversation of world.conversations) {
    const held = byConversation.get(conversation.id) ?? [];
    const gapless = held.every((row, i) => row.seq === i + 1);
    if (!gapless || held.length !== (finalSeqs.get(conversation.id) ?? -1)) {
      violations.push(
        `conversation ${conversation.id}: seqs not gapless (${held.length} rows, last_seq ${
          finalSeqs.get(conversation.id)
        })`,
      );
    }
  }
  const twice = await world.query<{ n: number }>(
    `select count(*)::int as n from (select 1 from messages where conversation_id = any($1::uuid[])
     group by sender_id, client_id having count(*) > 1) d`,
    [world.conversations.map((c) => c.id)],
  );
  if ((twice[0]?.n ?? 0) > 0) {
    duplicated += twice[0]!.n;
    violations.push(`${twice[0]!.n} clientId(s) stored more than once`);
  }
  const byId = new Map(rows.map((r) => [r.id, r]));

  // 3. Acked messages stored exactly once, with their clientId; nothing left unconfirmed.
  let acked = 0;
  let lost = 0;
  for (const client of clients) {
    for (const sent of client.sent.values()) {
      if (sent.at < window.startedAt || !sent.ack) continue;
      acked++;
      const row = byId.get(sent.ack.id);
      if (!row || row.client_id !== sent.clientId || row.body !== sent.body) lost++;
    }
  }
  if (lost > 0) violations.push(`${lost} acknowledged message(s) not stored as acknowledged`);
  if (unconfirmed.length > 0) {
    const stored = unconfirmed.filter((u) =>
      rows.some((r) => r.sender_id === u.userId && r.client_id === u.clientId)
    );
    violations.push(
      `${unconfirmed.length} send(s) never confirmed after ${settleMs} ms (${stored.length} of them stored, ` +
        `states: ${[...new Set(unconfirmed.map((u) => u.state))].join(", ")})`,
    );
    lost += unconfirmed.length - stored.length;
  }

  // 4. Each member's view equals the database since the window began.
  let missing = 0;
  for (const client of clients) {
    for (const conversationId of window.allowed.get(client.identity.userId) ?? []) {
      const from = window.baseline.get(conversationId) ?? 0;
      const expected = (byConversation.get(conversationId) ?? []).filter((r) => r.seq > from).map((r) =>
        r.id
      );
      const seen = client.held(conversationId).filter((m) => m.seq > from).map((m) => m.id);
      if (expected.join() !== seen.join()) {
        const seenSet = new Set(seen);
        missing += expected.filter((id) => !seenSet.has(id)).length;
        violations.push(
          `${client.identity.name} holds ${seen.length} message(s) of ${conversationId} since seq ${from}, ` +
            `the database ${expected.length}`,
        );
      }
    }
  }
  lost += missing;

  // 5. Per socket: no duplicate, no disorder; nothing reached anyone not allowed.
  let misordered = 0;
  let leaked = 0;
  let internal = 0;
  const cuts = new Map((options.cuts ?? []).map((c) => [c.userId, c]));
  const latencies: { sentAt: number; ms: number }[] = [];
  for (const client of [...clients, ...retiredClients(world, window)]) {
    const allowed = window.allowed.get(client.identity.userId) ?? new Set();
    const cut = cuts.get(client.identity.userId);
    const lastOnSocket = new Map<string, number>();
    const idsOnSocket = new Set<string>();
    for (const record of client.frames.slice(window.frameOffsets.get(client) ?? 0)) {
      const frame = record.frame;
      if (frame.type === "error" && frame.code === "internal") internal++;
      if (frame.type === "hello" && Array.isArray(frame.conversations)) {
        const strangers = (frame.conversations as { id?: unknown }[]).filter((c) =>
          typeof c.id !== "string" || !allowed.has(c.id) || (cut?.lastSeq.has(c.id) && record.at > cut.at)
        );
        leaked += strangers.length;
        if (strangers.length > 0) {
          violations.push(
            `a hello to ${client.identity.name} listed ${strangers.length} conversation(s) not theirs`,
          );
        }
        continue;
      }
      const conversationId = frameConversation(frame);
      if (conversationId === undefined) continue;
      const message = frame.type === "message" || frame.type === "ack"
        ? frame.message as WireMessage
        : undefined;
      const cutSeq = cut?.lastSeq.get(conversationId);
      const afterCut = cut !== undefined && cutSeq !== undefined &&
        (message ? message.seq > cutSeq : record.at > cut.at + 1000);
      if (!allowed.has(conversationId) || afterCut) {
        leaked++;
        if (leaked <= 3) {
          violations.push(`${frame.type} frame of ${conversationId} reached ${client.identity.name}`);
        }
        continue;
      }
      if (frame.type !== "message" || !message) continue;
      const key = `${record.socket}:${conversationId}`;
      const idKey = `${record.socket}:${message.id}`;
      if (idsOnSocket.has(idKey)) duplicated++;
      idsOnSocket.add(idKey);
      if ((lastOnSocket.get(key) ?? 0) >= message.seq) misordered++;
      lastOnSocket.set(key, Math.max(lastOnSocket.get(key) ?? 0, message.seq));
      if (message.body.startsWith(LOAD_PREFIX)) {
        const sentAt = Number(message.body.split("|")[1]);
        if (sentAt >= window.startedAt) latencies.push({ sentAt, ms: record.at - sentAt });
      }
    }
    const fiveXX = client.restStatuses.filter((s) => s.at >= window.startedAt && s.status >= 500);
    if (fiveXX.length > 0) {
      violations.push(
        `${client.identity.name}: ${fiveXX.length} REST answer(s) 5xx (${fiveXX[0]!.path} → ${
          fiveXX[0]!.status
        } from ${fiveXX[0]!.detail})`,
      );
    }
  }
  if (leaked > 3) violations.push(`… ${leaked} leaked frames in all`);
  if (duplicated > 0) violations.push(`${duplicated} duplicate(s)`);
  if (misordered > 0) violations.push(`${misordered} message frame(s) out of seq order on their socket`);
  if (internal > 0) {
    violations.push(`${internal} \`internal\` error frame(s) (an outage must answer \`unavailable\`)`);
  }

  // 6. Server logs: no unhandled error, no stack trace.
  world.instances.forEach((instance, i) => {
    const problems = logProblems(instance.log.slice(window.logOffsets[i] ?? 0));
    if (problems.length > 0) {
      violations.push(
        `instance ${instance.name} logged ${problems.length} error line(s), e.g.:\n  ${
          problems.slice(0, 4).join("\n  ")
        }`,
      );
    }
  });

  // 7. Sockets and database connections back to their baseline.
  violations.push(...await resourcesBack(world, window, options.socketSlack ?? 8));

  const before = percentiles(latencies.filter((l) => l.sentAt < options.faultAt).map((l) => l.ms));
  const after = percentiles(latencies.filter((l) => l.sentAt >= options.recoveredAt).map((l) => l.ms));
  return {
    figures: { acked, lost, duplicated, misordered, leaked, recoveryMs: options.recoveryMs, before, after },
    violations,
  };
}

/** Clients retired during the window still count for leaks (frames after their cut). */
function retiredClients(world: FaultWorld, window: Window): ScriptedClient[] {
  return [...window.frameOffsets.keys()].filter((c) => !world.clients.includes(c));
}

/** The conversation a frame is about, if any. */
function frameConversation(frame: Record<string, unknown>): string | undefined {
  if (typeof frame.conversationId === "string") return frame.conversationId;
  const inner = (frame.message ?? frame.conversation) as
    | { conversationId?: unknown; id?: unknown }
    | undefined;
  if (frame.type === "conversation" && typeof inner?.id === "string") return inner.id;
  if (typeof inner?.conversationId === "string") return inner.conversationId;
  return undefined;
}

/** An unconfirmed send left in an outbox. */
interface Unconfirmed {
  userId: string;
  clientId: string;
  state: string;
  sentAt: number;
}

/** Waits until every outbox is empty (bounded); returns what is left. */
async function settle(world: FaultWorld, ms: number): Promise<Unconfirmed[]> {
  const deadline = Date.now() + ms;
  const left = () =>
    world.clients.flatMap((c) =>
      c.store.outbox.peek().map((o) => ({
        userId: c.identity.userId,
        clientId: o.clientId,
        state: o.state,
        sentAt: c.sent.get(o.clientId)?.at ?? 0,
      }))
    );
  const finalSeqs = await lastSeqs(world);
  while (Date.now() < deadline) {
    if (left().length === 0 && world.clients.every((c) => caughtUp(world, c, finalSeqs))) return [];
    await sleep(100);
  }
  return left();
}

/** Whether the client's store holds every conversation of its person up to `seqs`. */
function caughtUp(world: FaultWorld, client: ScriptedClient, seqs: Map<string, number>): boolean {
  return world.conversations.every((c) =>
    !c.memberIds.includes(client.identity.userId) ||
    (client.held(c.id).at(-1)?.seq ?? 0) >= (seqs.get(c.id) ?? 0)
  );
}

/** Lines of a server log that show an unhandled error or a stack trace. */
export function logProblems(log: string): string[] {
  return log.split("\n").filter((line) =>
    /^\s+at\s.+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)\s*$/.test(line) ||
    /\bUncaught\b|\bpanicked\b|unhandled (promise )?rejection/i.test(line)
  );
}

/** Sockets and database connections back where they were (waits up to 10 s for them to drain). */
async function resourcesBack(world: FaultWorld, window: Window, slack: number): Promise<string[]> {
  const running = world.instances.filter((i) => i.running);
  const poolLimit = running.length * (10 + 1);
  const deadline = Date.now() + 10_000;
  let problems: string[] = [];
  do {
    problems = [];
    const disconnected = world.clients.filter((c) => c.instance === undefined).length;
    if (disconnected > 0) problems.push(`${disconnected} client(s) without a socket`);
    const sockets = establishedConnections(world.instances.map((i) => i.port));
    if (sockets > world.clients.length + slack) {
      problems.push(
        `${sockets} connections on the instances' ports for ${world.clients.length} clients (${window.sockets} at the start)`,
      );
    }
    const [activity] = await world.query<{ total: number; listening: number }>(
      `select count(*)::int as total, count(*) filter (where query ilike 'listen%')::int as listening
       from pg_stat_activity where datname = current_database() and backend_type = 'client backend'
       and application_name <> 'fault-harness'`,
    );
    if ((activity?.total ?? 0) > poolLimit) {
      problems.push(
        `${activity?.total} database connections of the instances (at most ${poolLimit} expected)`,
      );
    }
    if ((activity?.listening ?? 0) !== running.length) {
      problems.push(`${activity?.listening} LISTEN connection(s) for ${running.length} running instance(s)`);
    }
    if (problems.length === 0) return [];
    await sleep(250);
  } while (Date.now() < deadline);
  return problems;
}

/** p50 and p99 of `values` (0 when empty). */
export function percentiles(values: number[]): { p50: number; p99: number; count: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), count: sorted.length };
}
