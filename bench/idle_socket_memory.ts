/**
 * What an idle authenticated socket costs the server, against a bare `Deno.upgradeWebSocket`
 * socket: each server runs in its own process; this one opens `SOCKETS` sockets to it, waits for
 * them to settle (Préau's: until `hello`), and reads the server's resident memory (`VmRSS` in
 * `/proc`) before and after. A figure, never pass/fail (issue 14 item 5: at most 1.5× the raw socket).
 *
 *   npx -y deno@2.9.6 run -A --unstable-bundle bench/idle_socket_memory.ts        # both, 1000 sockets
 *   SOCKETS=2000 npx -y deno@2.9.6 run -A --unstable-bundle bench/idle_socket_memory.ts
 */
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { migrate } from "../db/migrate.ts";
import { makeConversation, makeEstablishment } from "../db/factories.ts";
import { loginCookie, makeLoginUser, startTestServer } from "../tests/support/server.ts";

const SOCKETS = Number(Deno.env.get("SOCKETS") ?? 1000);
/** Sockets per signed-in person (the per-user cap is raised for the measurement). */
const PER_USER = 10;

if (Deno.args[0] === "--serve") {
  // The measuring process asks for a full collection before each reading (SIGUSR2).
  // Last-resort: a full collection that also gives back the young generation's spare pages.
  const gc = (globalThis as { gc?: (o: { type: string; flavor: string }) => void }).gc;
  Deno.addSignalListener("SIGUSR2", () => gc?.({ type: "major", flavor: "last-resort" }));
  await serve(Deno.args[1]);
} else await main();

/** The server side: prints `{"url","cookies"}` on one line, then serves until killed. */
async function serve(kind: string | undefined): Promise<void> {
  if (kind === "raw") {
    const kept = new Set<WebSocket>();
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      kept.add(socket);
      socket.onclose = () => kept.delete(socket);
      return response;
    });
    console.log(JSON.stringify({ url: `http://127.0.0.1:${server.addr.port}`, cookies: [] }));
    return;
  }
  const db = await createPGliteDatabase("memory://");
  await migrate(db);
  const server = await startTestServer(db, {
    realtime: { maxSocketsPerAddress: 1_000_000, maxSocketsPerUser: PER_USER },
  });
  const school = await makeEstablishment(db);
  const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
  const cookies: string[] = [];
  for (let i = 0; i < Math.ceil(SOCKETS / PER_USER); i++) {
    const parent = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
    // Each person in a few conversations, as in a school: the socket follows them all.
    await makeConversation(db, { establishmentId: school.id, members: [teacher.id, parent.id] });
    cookies.push(await loginCookie(server.url, parent.email));
  }
  console.log(JSON.stringify({ url: server.url, cookies }));
}

/** The child's resident memory after a full collection and a moment to settle. */
async function rssKiB(child: Deno.ChildProcess): Promise<number> {
  child.kill("SIGUSR2");
  await new Promise((r) => setTimeout(r, 1500));
  const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

async function measure(kind: "raw" | "preau"): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-bundle",
      "--v8-flags=--expose-gc",
      import.meta.filename!,
      "--serve",
      kind,
    ],
    stdout: "piped",
    stderr: "inherit",
    env: { SOCKETS: String(SOCKETS) },
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the ${kind} server stopped before printing its address`);
      line += value;
    }
    const { url, cookies } = JSON.parse(line.slice(0, line.indexOf("\n"))) as {
      url: string;
      cookies: string[];
    };
    const wsUrl = `${url.replace(/^http/, "ws")}/ws/chat`;
    const sockets: WebSocket[] = [];
    const open = async (count: number) => {
      for (let n = 0; n < count; n++) {
        const i = sockets.length;
        const cookie = cookies[Math.floor(i / PER_USER)];
        // @ts-ignore: Deno's WebSocket takes `{ headers }` as its second argument.
        const socket = new WebSocket(wsUrl, cookie ? { headers: { cookie } } : undefined);
        await new Promise<void>((resolve, reject) => {
          socket.onerror = () => reject(new Error(`socket ${i} failed`));
          if (kind === "raw") socket.onopen = () => resolve();
          else socket.onmessage = () => resolve(); // hello
        });
        socket.onmessage = null;
        sockets.push(socket);
      }
    };
    // The cost of the second half only: what setting up left behind (PGlite, the sign-ins' Argon2
    // buffers, garbage) is released at its own pace and would blur a reading taken before any socket.
    await open(SOCKETS / 2);
    const before = await rssKiB(child);
    await open(SOCKETS / 2);
    const after = await rssKiB(child);
    for (const socket of sockets) socket.close();
    return (after - before) / (SOCKETS / 2);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

async function main(): Promise<void> {
  const raw = await measure("raw");
  const preau = await measure("preau");
  console.log(
    `idle socket, ${SOCKETS} sockets: raw Deno ${raw.toFixed(1)} KiB, Préau ${preau.toFixed(1)} KiB (${
      (preau / raw).toFixed(2)
    }×)`,
  );
}
