/**
 * Socket.IO 4 with `@socket.io/postgres-adapter` and `pg`, run as two processes on one database: what a
 * team would pick off the shelf. A client joins the rooms of its `rooms` query ("a,b"); the `send` event
 * `{room, body}` is stored with the room's next `seq` (prepared statement), acknowledged with the seq, and
 * broadcast to the room's other sockets on every process through the adapter.
 */
import { createServer } from "node:http";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/postgres-adapter";
import pg from "pg";

const port = Number(Deno.env.get("PORT") ?? "0");
const pool = new pg.Pool({ connectionString: Deno.env.get("DATABASE_URL"), max: 10 });
await pool.query(`
  CREATE TABLE IF NOT EXISTS socket_io_attachments (
    id bigserial UNIQUE, created_at timestamptz DEFAULT now(), payload bytea);
  CREATE TABLE IF NOT EXISTS sio_rooms (id text PRIMARY KEY, last_seq integer NOT NULL);
  CREATE TABLE IF NOT EXISTS sio_messages (
    room text NOT NULL, seq integer NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room, seq));`);

const STORE = `
  WITH s AS (
    INSERT INTO sio_rooms AS r (id, last_seq) VALUES ($1, 1)
    ON CONFLICT (id) DO UPDATE SET last_seq = r.last_seq + 1 RETURNING last_seq
  )
  INSERT INTO sio_messages (room, seq, body) SELECT $1, last_seq, $2 FROM s RETURNING seq`;

const http = createServer();
const io = new Server(http, { transports: ["websocket"], serveClient: false, adapter: createAdapter(pool) });
io.on("connection", (socket) => {
  const rooms = String(socket.handshake.query.rooms ?? "").split(",").filter((r) => r !== "");
  socket.join(rooms);
  socket.on("send", async (frame: { room: string; body: string }, ack?: (seq: number) => void) => {
    const { rows } = await pool.query({ name: "store", text: STORE, values: [frame.room, frame.body] });
    const seq = rows[0].seq as number;
    ack?.(seq);
    socket.to(frame.room).emit("message", { room: frame.room, seq, body: frame.body });
  });
});
http.listen(port, "127.0.0.1", () => {
  const address = http.address();
  console.log(
    `listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`,
  );
});
