/**
 * A minimal Deno + postgres.js + NOTIFY chat server, run as two processes on one database. A socket joins
 * the rooms of `?rooms=a,b`; a frame `{"room","body"}` is stored with the room's next `seq` (one statement,
 * prepared), acknowledged `{"ack":seq}` after COMMIT, then announced with `NOTIFY bench_room`; every process
 * LISTENs and writes `{"room","seq","body"}` to its sockets of that room except the sender's.
 */
import postgres from "postgres";

const port = Number(Deno.env.get("PORT") ?? "0");
const sql = postgres(Deno.env.get("DATABASE_URL")!, { max: 10, onnotice: () => {} });
await sql`CREATE TABLE IF NOT EXISTS peer_rooms (id text PRIMARY KEY, last_seq integer NOT NULL)`;
await sql`CREATE TABLE IF NOT EXISTS peer_messages (
  room text NOT NULL, seq integer NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room, seq))`;

const rooms = new Map<string, Set<WebSocket>>();
const bySocketId = new Map<string, WebSocket>();
const me = crypto.randomUUID().slice(0, 8);
let nextSocket = 0;

await sql.listen("bench_room", (payload) => {
  const { room, seq, body, from } = JSON.parse(payload) as {
    room: string;
    seq: number;
    body: string;
    from: string;
  };
  const sender = bySocketId.get(from);
  const frame = JSON.stringify({ room, seq, body });
  for (const socket of rooms.get(room) ?? []) {
    if (socket !== sender && socket.readyState === WebSocket.OPEN) socket.send(frame);
  }
});

Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, (req) => {
  const url = new URL(req.url);
  if (url.pathname !== "/ws") return new Response("not found", { status: 404 });
  const { socket, response } = Deno.upgradeWebSocket(req);
  const id = `${me}:${nextSocket++}`;
  const mine = (url.searchParams.get("rooms") ?? "").split(",").filter((r) => r !== "");
  socket.onopen = () => {
    bySocketId.set(id, socket);
    for (const room of mine) {
      let set = rooms.get(room);
      if (!set) rooms.set(room, set = new Set());
      set.add(socket);
    }
  };
  socket.onmessage = async (event) => {
    const { room, body } = JSON.parse(String(event.data)) as { room: string; body: string };
    const [row] = await sql<{ seq: number }[]>`
      WITH s AS (
        INSERT INTO peer_rooms AS r (id, last_seq) VALUES (${room}, 1)
        ON CONFLICT (id) DO UPDATE SET last_seq = r.last_seq + 1 RETURNING last_seq
      )
      INSERT INTO peer_messages (room, seq, body) SELECT ${room}, last_seq, ${body} FROM s RETURNING seq`;
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ ack: row!.seq }));
    await sql.notify("bench_room", JSON.stringify({ room, seq: row!.seq, body, from: id }));
  };
  socket.onclose = () => {
    bySocketId.delete(id);
    for (const room of mine) rooms.get(room)?.delete(socket);
  };
  return response;
});
