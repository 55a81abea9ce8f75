/**
 * The limit: a bare `Deno.upgradeWebSocket` broadcast server, one process, no database. A socket joins
 * the rooms named in `?rooms=a,b`; a text frame `{"room","body"}` is written to every other socket of
 * the room as `{"room","body"}`. Nothing is stored, checked or acknowledged.
 */
const port = Number(Deno.env.get("PORT") ?? "0");
const rooms = new Map<string, Set<WebSocket>>();

Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, (req) => {
  const url = new URL(req.url);
  if (url.pathname !== "/ws") return new Response("not found", { status: 404 });
  const { socket, response } = Deno.upgradeWebSocket(req);
  const mine = (url.searchParams.get("rooms") ?? "").split(",").filter((r) => r !== "");
  socket.onopen = () => {
    for (const room of mine) {
      let set = rooms.get(room);
      if (!set) rooms.set(room, set = new Set());
      set.add(socket);
    }
  };
  socket.onmessage = (event) => {
    const { room, body } = JSON.parse(String(event.data)) as { room: string; body: string };
    const frame = JSON.stringify({ room, body });
    for (const other of rooms.get(room) ?? []) {
      if (other !== socket && other.readyState === WebSocket.OPEN) other.send(frame);
    }
  };
  socket.onclose = () => {
    for (const room of mine) rooms.get(room)?.delete(socket);
  };
  return response;
});
