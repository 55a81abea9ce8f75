/**
 * The scenarios of `deno task bench`, full and quick (`BENCH_QUICK=1`: fewer rounds, shorter windows,
 * smaller sizes). A scenario is a topology (who follows which room, who sends where) and a schedule; the
 * same one is run against every system it names. Senders never exceed 5 messages per second each, Préau's
 * default per-person limit (20 at once, then 5/s: `realtime/options.ts` `sendRate`).
 */
import type { SystemName } from "../peers/load_spec.ts";
import type { Topology } from "./systems.ts";

export interface Sizes {
  rounds: number;
  durationMs: number;
  drainMs: number;
  writeRate: number;
  writeOneRate: number;
  idleSockets: number;
  resyncClients: number;
  listConversations: number;
  classes: number;
  announcementMembers: number;
  steps: number[];
  stepMs: number;
  /** How long the idle sockets are held (memory is sampled halfway). */
  holdMs: number;
  /** The write path into one conversation runs. */
  writeOne: boolean;
  /** Longest wait after a run for the system to go quiet. */
  settleMs: number;
  /** Minutes after which remaining scenarios get one round and stepping stops (the run must end in time). */
  budgetMinutes: number;
  /**
   * Each system first runs a delivery or write scenario this long, unmeasured, as a server in service is
   * warm (compiled code, pooled connections, prepared statements); 0 for none.
   */
  warmupMs: number;
}

export const FULL: Sizes = {
  rounds: 3,
  durationMs: 5_000,
  drainMs: 1_500,
  writeRate: 6000,
  writeOneRate: 2500,
  idleSockets: 2000,
  resyncClients: 2000,
  listConversations: 1000,
  classes: 200,
  announcementMembers: 1000,
  steps: [500, 1000, 2000, 4000],
  stepMs: 4_000,
  budgetMinutes: 14,
  warmupMs: 2_000,
  holdMs: 4000,
  writeOne: true,
  settleMs: 20_000,
};

export const QUICK: Sizes = {
  rounds: 1,
  durationMs: 2_500,
  drainMs: 1_000,
  writeRate: 1500,
  writeOneRate: 500,
  idleSockets: 300,
  resyncClients: 300,
  listConversations: 1000,
  classes: 20,
  announcementMembers: 200,
  steps: [500],
  stepMs: 3_000,
  budgetMinutes: 2,
  warmupMs: 0,
  holdMs: 2000,
  writeOne: true,
  settleMs: 5000,
};

/**
 * Messages per second per sender: Préau's sustained per-person rate (5/s), never above it; sends are evenly
 * spaced, so the burst of 20 absorbs any jitter.
 */
export const PER_SENDER = 5;

export interface LoadScenario {
  id: string;
  title: string;
  systems: SystemName[];
  topology: Topology;
  rate: number;
  durationMs: number;
  drainMs: number;
  /** Which figure matters most ("deliveries", "writes", "idle", "resync"). */
  kind: "deliveries" | "writes" | "idle" | "resync";
  holdMs?: number;
  missed?: number;
  note?: string;
  /**
   * Each round on freshly started systems, when what is measured is memory: a process keeps the heap it
   * grew for an earlier round, so a later round's sockets would seem free. Default false.
   */
  freshEachRound?: boolean;
}

const ALL: SystemName[] = ["preau", "bare", "pgnotify", "socketio"];
const STORING: SystemName[] = ["preau", "pgnotify", "socketio"];

/**
 * `rooms` rooms of `members` clients each; every member sends in turn, plus extra senders when the members
 * alone would have to exceed {@linkcode PER_SENDER} per second. The extra senders are members (Préau lets
 * only members post) that receive nothing (`listens: false`: REST for Préau, a socket outside the room for
 * the peers), so every system delivers to the `members` alone.
 */
export function rooms(rooms: number, members: number, rate: number): Topology {
  const perRoom = rate / rooms;
  const extra = Math.max(0, Math.ceil(perRoom / PER_SENDER) - members);
  const clients: Topology["clients"] = [];
  const senders: Topology["senders"] = [];
  const byRoom: number[][] = [];
  for (let r = 0; r < rooms; r++) {
    const mine: number[] = [];
    for (let m = 0; m < members + extra; m++) {
      mine.push(clients.length);
      clients.push(m < members ? { rooms: [r] } : { rooms: [r], counted: false, listens: false });
    }
    byRoom.push(mine);
  }
  // Round robin over rooms first, so that consecutive messages go to different rooms.
  for (let m = 0; m < members + extra; m++) {
    for (let r = 0; r < rooms; r++) senders.push({ client: byRoom[r]![m]!, room: r });
  }
  return { rooms, clients, senders };
}

/**
 * The write path, no receivers: `senders` senders that receive nothing (see {@linkcode rooms}), spread over
 * `conversations` conversations (one each by default).
 */
export function writers(senders: number, conversations = senders): Topology {
  const clients: Topology["clients"] = Array.from(
    { length: senders },
    (_, i) => ({ rooms: [i % conversations], counted: false, listens: false }),
  );
  return {
    rooms: conversations,
    clients,
    senders: clients.map((c, i) => ({ client: i, room: c.rooms[0]! })),
  };
}

/** 200 classes of 25 and one announcement room holding the first `announcement` clients. */
export function classes(count: number, size: number, announcement: number, rate: number): Topology {
  const clients: Topology["clients"] = [];
  const senders: Topology["senders"] = [];
  for (let c = 0; c < count; c++) {
    for (let m = 0; m < size; m++) {
      const i = clients.length;
      clients.push({ rooms: i < announcement ? [c, count] : [c] });
    }
  }
  // The announcement room gets one message in fifty (a school-wide notice now and then); the classes the rest.
  const classSenders = Math.max(size, Math.ceil(rate / PER_SENDER / count));
  for (let m = 0; m < Math.min(size, classSenders); m++) {
    for (let c = 0; c < count; c++) {
      senders.push({ client: c * size + m, room: c });
      if (senders.length % 50 === 0) {
        senders.push({ client: (senders.length / 50) % announcement, room: count });
      }
    }
  }
  return { rooms: count + 1, clients, senders };
}

export function loadScenarios(s: Sizes): LoadScenario[] {
  const window = { durationMs: s.durationMs, drainMs: s.drainMs };
  const writeSenders = Math.ceil(s.writeRate / PER_SENDER);
  const all: LoadScenario[] = [
    {
      id: "rooms_100x10_1000",
      title: "100 rooms × 10 members, 1,000 msg/s in",
      systems: ALL,
      topology: rooms(100, 10, 1000),
      rate: 1000,
      kind: "deliveries",
      ...window,
    },
    {
      id: "room_1x100_1000",
      title: "1 room × 100 members, 1,000 msg/s in",
      systems: ALL,
      topology: rooms(1, 100, 1000),
      rate: 1000,
      kind: "deliveries",
      note: "Préau's default limit is 5 messages/s per person, so 1,000 msg/s needs 200 senders: the 100 " +
        "members and 100 more who receive nothing (Préau: members sending through the REST API without a " +
        "socket; the peers: sockets outside the room), so every system delivers to the 100 members alone.",
      ...window,
    },
    {
      id: "room_1x100_100",
      title: "1 room × 100 members, 100 msg/s in",
      systems: ALL,
      topology: rooms(1, 100, 100),
      rate: 100,
      kind: "deliveries",
      ...window,
    },
    {
      id: "write_across",
      title: `write path, no receivers: ${
        s.writeRate.toLocaleString("en")
      } msg/s offered across conversations`,
      systems: STORING,
      topology: writers(writeSenders),
      rate: s.writeRate,
      kind: "writes",
      note:
        `${writeSenders} senders at 5/s that receive nothing (Préau: REST, no socket), each in a conversation ` +
        "of its own; stored msg/s is what PostgreSQL holds.",
      ...window,
    },
    {
      id: "write_one",
      title: `write path into one conversation: ${s.writeOneRate.toLocaleString("en")} msg/s offered`,
      systems: STORING,
      topology: writers(Math.ceil(s.writeOneRate / PER_SENDER), 1),
      rate: s.writeOneRate,
      kind: "writes",
      note:
        `${Math.ceil(s.writeOneRate / PER_SENDER)} members at 5/s that receive nothing (Préau: REST, no ` +
        "socket), all in one conversation; stored msg/s is what PostgreSQL holds.",
      ...window,
    },
    {
      id: "idle_sockets",
      title: `idle authenticated socket: ${s.idleSockets.toLocaleString("en")} sockets held`,
      systems: ["preau", "bare"],
      topology: {
        rooms: 1,
        clients: Array.from({ length: s.idleSockets }, () => ({ rooms: [0] })),
        senders: [],
      },
      rate: 1,
      durationMs: 0,
      drainMs: 0,
      holdMs: s.holdMs,
      kind: "idle",
      freshEachRound: true,
      note:
        "Each round starts the systems afresh and opens the sockets in two halves: the figure is the RSS " +
        "the second half added, per socket, each reading taken after a last-resort garbage collection " +
        "(`bench/load/gc_on_signal.ts`, in both Deno servers), so that what is counted is what the sockets keep " +
        "alive, not garbage, spare heap or the one-time costs of the first connections (compiled code).",
    },
    {
      id: "reconnect_resync",
      title: `${s.resyncClients.toLocaleString("en")} clients reconnect and resync 20 missed messages each`,
      systems: ["preau", "bare"],
      topology: rooms(s.resyncClients / 10, 10, 1),
      rate: 1,
      durationMs: 0,
      drainMs: 0,
      missed: 20,
      kind: "resync",
      note: "Préau: reconnect as the browser client does (`?resume=1`, then a `resume` frame with the last " +
        "seq held), read `hello`, fetch what it did not carry (nothing when it carries the missed messages); " +
        "bare Deno: the raw reconnect only.",
    },
  ];
  return all.filter((sc) => s.writeOne || sc.id !== "write_one");
}
